"""The office's feedback pages of one feed, mounted at ``/f/<feed>/feedback/``; ``overview`` at ``/feedback/``."""

from django.urls import path

from kiosk.office.feedback import inbox

app_name = "feedback"
urlpatterns = [
    path("", inbox.inbox, name="inbox"),
    path("<int:pk>/", inbox.detail, name="detail"),
    path("export.csv", inbox.export_csv, name="export-csv"),
    path("print/", inbox.export_print, name="print"),
    path("figures/", inbox.figures, name="figures"),
]

overview_patterns = ([path("", inbox.overview, name="home")], "feedback-all")
