from django.urls import path

from cdrs.views import CdrListView

urlpatterns = [path("", CdrListView.as_view())]
