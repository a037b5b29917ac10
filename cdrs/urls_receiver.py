from django.urls import path

from cdrs.views import CdrCopyView, CdrReceiverView

urlpatterns = [
    path("", CdrReceiverView.as_view()),
    path("/<uuid:cdr_uid>", CdrCopyView.as_view()),
]
