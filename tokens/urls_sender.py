from django.urls import path

from tokens.views import TokenAuthorizeView, TokenListView

urlpatterns = [
    path("", TokenListView.as_view()),
    path("/<str:token_uid>/authorize", TokenAuthorizeView.as_view()),
]
