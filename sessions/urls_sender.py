from django.urls import path

from sessions.views import ChargingPreferencesView, SessionListView

urlpatterns = [
    path("", SessionListView.as_view()),
    path("/<str:session_id>/charging_preferences", ChargingPreferencesView.as_view()),
]
