import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018 — import the views and the API now, not in the first request
if os.environ.get("XINFANG_WARM_UP", "1") != "0":
    # The font, the models and the dictionary the first 受理/签发/登记 would load while a person waits.
    from xinfang.core.warmup import warm_up

    warm_up()
# What is loaded now (Django, the apps, the API schemas) lives as long as the worker: moved out of the
# cyclic collector's reach, so its full passes walk a request's garbage, not the whole framework each time.
gc.freeze()
