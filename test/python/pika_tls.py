#!/usr/bin/python3
"""pika over TLS (AMQPS): server verified against the test CA with an ssl.SSLContext, a round trip,
TLS 1.2+ only, and mutual TLS with SASL EXTERNAL naming the user from the client certificate.
See pika_common.py for the protocol of this script.
Env besides AMQP_URL (amqps://...@localhost:PORT/): CERT_DIR (ca.pem, client.pem, client.key)."""
import os
import ssl

import pika
import pika.credentials
import pika.exceptions

from pika_common import CheckFailed, expect, expect_eq, run


def context(client_cert=False, maximum=None):
    d = os.environ['CERT_DIR']
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    c.load_verify_locations(os.path.join(d, 'ca.pem'))
    if client_cert:
        c.load_cert_chain(os.path.join(d, 'client.pem'), os.path.join(d, 'client.key'))
    if maximum is not None:
        c.minimum_version = ssl.TLSVersion.TLSv1
        c.maximum_version = maximum
    return c


def round_trip(ctx, conn):
    ch = conn.channel()
    q = ch.queue_declare('', exclusive=True).method.queue
    ch.confirm_delivery()
    ch.basic_publish('', q, b'over tls')
    method, _props, body = ch.basic_get(q, auto_ack=True)
    expect(method is not None, 'no message came back')
    expect_eq(body, b'over tls', 'body')


def check_tls_round_trip(ctx):
    conn = ctx.connect(ssl_options=pika.SSLOptions(context(), 'localhost'))
    round_trip(ctx, conn)
    version = conn._impl._transport._sock.version()
    expect(version in ('TLSv1.2', 'TLSv1.3'), 'negotiated %s' % version)
    return {'tls_version': version}


def check_tls_old_versions_refused(ctx):
    try:
        ctx.connect(ssl_options=pika.SSLOptions(context(maximum=ssl.TLSVersion.TLSv1_1), 'localhost'))
    except (pika.exceptions.AMQPConnectionError, ssl.SSLError) as e:
        return {'error': type(e).__name__}
    raise CheckFailed('a TLS 1.1 connection was accepted')


def check_external(ctx):
    conn = ctx.connect(ssl_options=pika.SSLOptions(context(client_cert=True), 'localhost'),
                       credentials=pika.credentials.ExternalCredentials())
    round_trip(ctx, conn)
    return {}


def check_no_client_certificate_refused(ctx):
    try:
        conn = ctx.connect(ssl_options=pika.SSLOptions(context(), 'localhost'))
        conn.channel()
    except (pika.exceptions.AMQPConnectionError, ssl.SSLError) as e:
        return {'error': type(e).__name__}
    raise CheckFailed('a client without a certificate was accepted')


run('pika_tls.py', {
    'tls_round_trip': check_tls_round_trip,
    'tls_old_versions_refused': check_tls_old_versions_refused,
    'external': check_external,
    'no_client_certificate_refused': check_no_client_certificate_refused,
})
