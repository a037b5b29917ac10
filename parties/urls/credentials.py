from django.urls import path

from parties.views import CredentialsView

urlpatterns = [path("", CredentialsView.as_view(), name="credentials")]
