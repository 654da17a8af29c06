"""The client's address believes X-Forwarded-For only from KHAOSAT_TRUSTED_PROXIES."""

from django.test import RequestFactory

from khaosat.web.core.clientip import client_ip, parse_networks


def ip(settings, proxies, **meta):
    settings.KHAOSAT_TRUSTED_PROXIES = parse_networks(proxies)
    return client_ip(RequestFactory().get("/", **meta))


def test_without_proxies_the_header_is_ignored(settings):
    assert ip(settings, "", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4") == "10.0.0.5"
    assert ip(settings, "", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4") == "127.0.0.1"


def test_a_trusted_proxy_names_the_client(settings):
    meta = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "10.1.2.3"}
    assert ip(settings, "127.0.0.1", **meta) == "10.1.2.3"


def test_a_forged_left_part_of_the_chain_is_not_believed(settings):
    # the client wrote "X-Forwarded-For: 9.9.9.9"; nginx appended the real address
    meta = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "9.9.9.9, 10.1.2.3"}
    assert ip(settings, "127.0.0.1", **meta) == "10.1.2.3"


def test_chains_of_trusted_proxies_are_walked(settings):
    meta = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "10.1.2.3, 192.168.5.1"}
    assert ip(settings, "127.0.0.1, 192.168.5.0/24", **meta) == "10.1.2.3"


def test_an_untrusted_peer_cannot_claim_anything(settings):
    meta = {"REMOTE_ADDR": "10.9.9.9", "HTTP_X_FORWARDED_FOR": "127.0.0.1"}
    assert ip(settings, "127.0.0.1", **meta) == "10.9.9.9"


def test_forwarded_proto_from_an_untrusted_peer_is_dropped(client, db, settings):
    from django.http import HttpResponse

    from khaosat.web.core.middleware import TrustedProxyMiddleware

    seen = {}

    def view(request):
        seen["secure"] = request.is_secure()
        return HttpResponse()

    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    mw = TrustedProxyMiddleware(view)
    settings.KHAOSAT_TRUSTED_PROXIES = parse_networks("127.0.0.1")
    rf = RequestFactory()
    mw(rf.get("/", REMOTE_ADDR="10.0.0.8", HTTP_X_FORWARDED_PROTO="https"))
    assert seen["secure"] is False
    mw(rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_PROTO="https"))
    assert seen["secure"] is True
