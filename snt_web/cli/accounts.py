"""``snt-web user | member``: accounts, their API tokens, and who has which role on a project."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import datetime

from .arguments import DEFAULT_DATA_DIR, CLIError, open_store


def _read_password(args, prompt: str = "Password: ") -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(prompt)
        if getpass.getpass("Repeat: ") != password:
            raise CLIError("the passwords differ")
    return password


def _accounts(args):
    from ..store import Accounts

    return Accounts(open_store(args))


def cmd_user_add(args) -> int:
    accounts = _accounts(args)
    try:
        user = accounts.add_user(args.name, _read_password(args), role=args.role)
    except ValueError as err:
        raise CLIError(str(err)) from None
    print(f"added {user.name} ({user.role})")
    return 0


def cmd_user_passwd(args) -> int:
    accounts = _accounts(args)
    if accounts.user(args.name) is None:
        raise CLIError(f"no user {args.name!r}")
    password = _read_password(args, "New password: ")
    revoke = args.revoke_tokens
    tokens = len(accounts.tokens(args.name))
    if revoke is None and tokens and not args.password_stdin:
        answer = input(f"{args.name} has {tokens} API token{'s' if tokens > 1 else ''}: revoke them too? [y/N] ")
        revoke = answer.strip().lower() in ("y", "yes")
    try:
        ended = accounts.set_password(args.name, password, revoke_tokens=bool(revoke))
    except ValueError as err:
        raise CLIError(str(err)) from None
    print(f"password of {args.name} changed; {ended['sessions']} browser sessions ended; "
          f"{ended['tokens']} API tokens revoked, {ended['tokens_kept']} kept")
    return 0


def cmd_user_token_add(args) -> int:
    from ..store.accounts import token_id

    try:
        token = _accounts(args).create_token(args.name, args.label)
    except ValueError as err:
        raise CLIError(str(err)) from None
    print(token)
    print(f"Keep this token: it is shown only once (its id, to revoke it: {token_id(token)}).", file=sys.stderr)
    return 0


def _when(seconds: float | None) -> str:
    return "never" if seconds is None else datetime.fromtimestamp(seconds).isoformat(" ", "minutes")


def cmd_user_token_list(args) -> int:
    accounts = _accounts(args)
    if args.name is not None and accounts.user(args.name) is None:
        raise CLIError(f"no user {args.name!r}")
    print("id\tuser\tlabel\tcreated\tlast used")
    for t in accounts.tokens(args.name):
        print(f"{t.id}\t{t.user}\t{t.label}\t{_when(t.created)}\t{_when(t.last_used)}")
    return 0


def cmd_user_token_revoke(args) -> int:
    accounts = _accounts(args)
    for token_id in args.ids:
        try:
            token = accounts.revoke_token(token_id)
        except ValueError as err:
            raise CLIError(str(err)) from None
        print(f"revoked token {token.id} of {token.user}" + (f" ({token.label})" if token.label else ""))
    return 0


def cmd_user_list(args) -> int:
    for user in _accounts(args).users():
        print(f"{user.name}\t{user.role}")
    return 0


def cmd_user_remove(args) -> int:
    try:
        _accounts(args).remove_user(args.name)
    except ValueError as err:
        raise CLIError(str(err)) from None
    print(f"removed {args.name}")
    return 0


def cmd_member_set(args) -> int:
    from ..store import StoreError

    role = None if args.role == "none" else args.role
    accounts = _accounts(args)
    try:
        accounts.store.get(args.project)
        accounts.set_member(args.project, args.name, role)
    except (ValueError, StoreError) as err:
        raise CLIError(str(err)) from None
    print(f"{args.name} is {role} of {args.project}" if role else f"{args.name} removed from {args.project}")
    return 0


def add_commands(sub) -> None:
    """``user`` and ``member`` on the subparsers ``sub``."""
    from ..auth.roles import ROLES

    data_dir = argparse.ArgumentParser(add_help=False)
    data_dir.add_argument("--data-dir", default=DEFAULT_DATA_DIR,
                          help="where projects live (default ~/.snt-web; SNT_WEB_DATABASE_URL names another database)")
    password = argparse.ArgumentParser(add_help=False)
    password.add_argument("--password-stdin", action="store_true", help="read the password from one line of stdin")

    user = sub.add_parser("user", help="manage accounts").add_subparsers(dest="user_command", required=True)
    add = user.add_parser("add", parents=[data_dir, password], help="add an account")
    add.add_argument("name")
    add.add_argument("--role", default="annotator", choices=ROLES,
                     help="site role, for projects the user is not a member of (default annotator)")
    add.set_defaults(func=cmd_user_add)
    passwd = user.add_parser("passwd", parents=[data_dir, password],
                             help="change a password (ends the user's browser sessions)")
    passwd.add_argument("name")
    revoke = passwd.add_mutually_exclusive_group()
    revoke.add_argument("--revoke-tokens", action="store_true", default=None,
                        help="revoke the user's API tokens too (asked when the password is typed)")
    revoke.add_argument("--keep-tokens", action="store_false", dest="revoke_tokens", help="keep their API tokens")
    passwd.set_defaults(func=cmd_user_passwd)
    token = user.add_parser("token", help="API tokens").add_subparsers(dest="token_command", required=True)
    token_add = token.add_parser("add", parents=[data_dir], help="make an API token (printed once)")
    token_add.add_argument("name")
    token_add.add_argument("--label", default="")
    token_add.set_defaults(func=cmd_user_token_add)
    token_list = token.add_parser("list", parents=[data_dir], help="list API tokens: id, user, label, created, "
                                                                   "last used (never the tokens themselves)")
    token_list.add_argument("name", nargs="?", help="only this user's")
    token_list.set_defaults(func=cmd_user_token_list)
    token_revoke = token.add_parser("revoke", parents=[data_dir], help="revoke API tokens by id")
    token_revoke.add_argument("ids", nargs="+", metavar="ID")
    token_revoke.set_defaults(func=cmd_user_token_revoke)
    user.add_parser("list", parents=[data_dir], help="list accounts").set_defaults(func=cmd_user_list)
    remove = user.add_parser("remove", parents=[data_dir], help="remove an account, its sessions and tokens")
    remove.add_argument("name")
    remove.set_defaults(func=cmd_user_remove)

    member = sub.add_parser("member", help="project membership").add_subparsers(dest="member_command", required=True)
    mset = member.add_parser("set", parents=[data_dir], help="give a user a role on a project ('none' removes)")
    mset.add_argument("project")
    mset.add_argument("name")
    mset.add_argument("role", choices=[*ROLES, "none"])
    mset.set_defaults(func=cmd_member_set)
