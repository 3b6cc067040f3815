from django.contrib import admin
from django.urls import include, path

from xinfang.api import api

admin.site.site_header = "xinfang 法治信访 · 系统管理"
admin.site.site_title = "xinfang 系统管理"
admin.site.index_title = "组织、用户、规则与节假日"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("portal/", include("xinfang.portal.urls")),
    path("privacy/", include("xinfang.privacy.urls")),
    path("", include("xinfang.accounts.urls")),
    path("", include("xinfang.web.urls")),
]
