"""Browser and system names for the sessions page, read from the User-Agent by ua-parser."""
import pytest

from tokensite.accounts.browser_sessions import Device, device_of

CASES = {
    "Firefox on Linux": ("Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
                         Device("Firefox", "Linux")),
    "Chrome on a Mac": ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
                        "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", Device("Chrome", "Mac OS X")),
    "Edge on Windows": ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                        "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0", Device("Edge", "Windows")),
    "a script": ("curl/8.5.0", Device("curl", "Unknown OS")),
    "nothing": (None, Device("Unknown browser", "Unknown OS")),
    "gibberish": ("\x00<script>", Device("Unknown browser", "Unknown OS")),
}


@pytest.mark.parametrize("user_agent, device", CASES.values(), ids=CASES.keys())
def test_device_of(user_agent, device):
    assert device_of(user_agent) == device


def test_a_device_reads_as_browser_on_system():
    assert str(Device("Firefox", "Linux")) == "Firefox on Linux"
