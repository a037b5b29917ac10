from django.urls import path

from sessions.views import SessionReceiverView

urlpatterns = [
    path("/<str:country_code>/<str:party_id>/<str:session_id>", SessionReceiverView.as_view()),
]
