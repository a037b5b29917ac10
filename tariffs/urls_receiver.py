from django.urls import path

from tariffs.views import TariffReceiverView

urlpatterns = [
    path("/<str:country_code>/<str:party_id>/<str:tariff_id>", TariffReceiverView.as_view()),
]
