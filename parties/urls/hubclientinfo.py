from django.urls import path

from parties.views import HubClientInfoView

urlpatterns = [path("", HubClientInfoView.as_view(), name="hubclientinfo-sender")]
