"""Who may do what, and which serving mode a server needs: pure (no Flask, no Dash).

:mod:`~snt_web.auth.roles` holds the project roles and what each may do,
:mod:`~snt_web.auth.modes` the choice of serving mode. Login, sessions, CSRF
and security headers (the Flask wiring) are :mod:`snt_web.web.auth`; users,
sessions and API tokens are kept by :mod:`snt_web.store.accounts`.
"""
