"""Push through FCM simulated at its HTTP boundary: the fixtures of the push tests."""

from tests.notifications.test_push import (  # noqa: F401 - fixtures, used by name
    fcm,
    push_app,
    push_client,
    service_account,
)
