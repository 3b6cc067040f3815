from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("submit/", views.submit, name="submit"),
    path("receipt/<str:number>/", views.receipt, name="receipt"),
    path("query/", views.query, name="query"),
    path("recover/", views.recover, name="recover"),
    path("progress/<str:number>/", views.progress, name="progress"),
    path("progress/<str:number>/evaluate/", views.evaluate, name="evaluate"),
    path("progress/<str:number>/review/", views.review, name="review"),
    path("progress/<str:number>/documents/<int:document_id>.<str:ext>", views.document, name="document"),
]
