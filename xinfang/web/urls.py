from django.contrib.auth import views as auth_views
from django.urls import path

from . import (
    coordination_views,
    handling_views,
    merge_views,
    petitioner_views,
    queue_views,
    receipt_views,
    views,
)

app_name = "web"

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.inbox, name="inbox"),
    path("matters/", views.matters, name="matters"),
    path("register/", views.register, name="register"),
    path("matters/<str:number>/", views.matter_detail, name="matter"),
    path("matters/<str:number>/receipt/", receipt_views.receipt, name="receipt"),
    path("matters/<str:number>/route/", views.route, name="route"),
    path("matters/<str:number>/assignments/<int:assignment_id>/accept/", views.accept, name="accept"),
    path("matters/<str:number>/assignments/<int:assignment_id>/object/", views.object_, name="object"),
    path("matters/<str:number>/objections/<int:objection_id>/decide/", views.decide, name="decide"),
    path("matters/<str:number>/accept-direct/", views.accept_direct, name="accept_direct"),
    path("matters/<str:number>/print/", queue_views.matter_print, name="matter_print"),
    path("route/batch/", queue_views.route_batch, name="route_batch"),
    path("matters/<str:number>/merge/", merge_views.merge, name="merge"),
    path("matters/<str:number>/unmerge/", merge_views.unmerge, name="unmerge"),
    path("matters/<str:number>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
    path("documents/<int:document_id>.<str:ext>", views.document_download, name="document"),
    path("parties/<int:party_id>/reveal/", petitioner_views.reveal, name="reveal"),
    path("parties/<int:party_id>/settle/", petitioner_views.settle_details, name="settle_details"),
    path("petitioners/history/", views.history, name="history"),
    path("petitioners/duplicates/", petitioner_views.duplicates, name="petitioner_duplicates"),
    path("suggest/", views.suggest_view, name="suggest"),
    path("matters/<str:number>/handle/<str:action>/", handling_views.handle, name="handle"),
    path("matters/<str:number>/coordinate/<str:action>/", coordination_views.coordinate, name="coordinate"),
]
