"""gunicorn settings for one machine: one gevent worker carries HTTP and Socket.IO.

Flask-SocketIO needs every request of a client to reach the same process, so a process
runs one worker; to use more cores, run more processes behind a proxy with sticky
sessions and REDIS_URL set (see the README).
"""

worker_class = "gevent"
workers = 1
worker_connections = 2000
timeout = 60
graceful_timeout = 20
# With keep-alive, the gevent worker serves a busy connection's requests back to back and
# starves the others: measured here, p99 1.4 s with keep-alive against 26 ms without, for
# 16 clients. Behind a proxy, upstream connections are short-lived anyway.
keepalive = 0
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
control_socket_disable = True
