from django.urls import path

from cdrs.views import CdrCopyView, CdrPushUrlView, CdrReceiverView

urlpatterns = [
    path("", CdrReceiverView.as_view()),
    path("/<str:cdr_uid>", CdrCopyView.as_view()),
    # Not an interface URL: it resolves only so that a PUT there gets 405, not 404.
    path("/<str:country_code>/<str:party_id>/<str:cdr_id>", CdrPushUrlView.as_view(schema=None)),
]
