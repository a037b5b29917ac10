from django.urls import path

from tariffs.views import TariffListView

urlpatterns = [path("", TariffListView.as_view())]
