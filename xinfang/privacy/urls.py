from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("audit/", views.audit_log_view, name="audit_log"),
    path("pii-log/", views.pii_log_view, name="pii_log"),
    path("petitioners/", views.petitioners, name="petitioners"),
    path("petitioners/<int:petitioner_id>/", views.petitioner, name="petitioner"),
    path("petitioners/<int:petitioner_id>/export/", views.petitioner_export_view, name="petitioner_export"),
    path(
        "petitioners/<int:petitioner_id>/correct/", views.petitioner_correct_view, name="petitioner_correct"
    ),
    path("incidents/", views.incidents, name="incidents"),
    path("incidents/<int:incident_id>/", views.incident, name="incident"),
    path("incidents/<int:incident_id>/<str:action>/", views.incident_action, name="incident_action"),
    path("retention/", views.retention, name="retention"),
]
