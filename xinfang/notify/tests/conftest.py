import pytest


@pytest.fixture(autouse=True)
def outbox_dir(settings, tmp_path):
    """Every test gets its own VAR_DIR, so the file backend's outbox starts empty."""
    settings.VAR_DIR = tmp_path
    settings.XINFANG_SMS_BACKEND = "xinfang.notify.backends.FileBackend"
    settings.XINFANG_EMAIL_BACKEND = "xinfang.notify.backends.SmtpEmailBackend"
    return tmp_path / "outbox"
