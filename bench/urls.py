from django.urls import path

from bench.baseline.views import baseline_list, baseline_put, baseline_relay
from hub.urls import handler404  # noqa: F401
from hub.urls import urlpatterns as hub_urlpatterns

urlpatterns = [
    path("baseline/<str:country_code>/<str:party_id>/<path:object_id>", baseline_put),
    path("baseline", baseline_list),
    path("relay-baseline/tokens/<str:token_uid>/authorize", baseline_relay),
    *hub_urlpatterns,
]
