from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/otp/", views.otp_verify_view, name="otp_verify"),
    path("account/2fa/", views.two_factor, name="two_factor"),
    path("account/2fa/remove/", views.two_factor_remove, name="two_factor_remove"),
    path("account/password/", views.password_change, name="password_change"),
]
