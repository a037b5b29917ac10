from django.urls import path

from locations.views import LocationListView, LocationObjectView

view = LocationObjectView.as_view()
urlpatterns = [
    path("", LocationListView.as_view()),
    path("/<str:location_id>", view),
    path("/<str:location_id>/<str:evse_uid>", view),
    path("/<str:location_id>/<str:evse_uid>/<str:connector_id>", view),
]
