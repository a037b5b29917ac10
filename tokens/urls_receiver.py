from django.urls import path

from tokens.views import TokenReceiverView

urlpatterns = [
    path("/<str:country_code>/<str:party_id>/<str:token_uid>", TokenReceiverView.as_view()),
]
