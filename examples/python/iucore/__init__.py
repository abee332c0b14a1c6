"""iucore over ctypes: the stable C ABI of libiucore.so.1, JSON in and JSON out.

No compiled extension: only fixed-width integers, UTF-8 ``const char*`` and opaque pointers cross
the boundary. Every string the library returns is copied and released with ``iucore_free``;
every failure raises a subclass of :class:`IucoreError` for its code (:class:`RefusedError`,
:class:`DatabaseError`, ...) carrying the library's code, message, SQLSTATE and JSON path.

The library is found through ``$IUCORE_LIBRARY`` (a path), else in the install this package
came from (``cmake --install`` records its prefix in ``iucore/_installed.py``, which ``pip
install <prefix>/share/iucore/python`` copies), else by the system loader (``libiucore.so.1``,
``ctypes.util.find_library``), else in a build tree of the source checkout. A library whose
``iucore_version()`` or ``iucore_abi_version()`` differs from this module's ``__version__`` /
``ABI_VERSION`` is refused.

    import iucore
    with iucore.Definition.from_file("iu_core.json") as d:
        d.figures()["catalog_rows"]                       # 26
        d.explain("dot_iu_auto_instantiate_rollback_by_actor", ["actor=operator", "dry_run=true"])
        with iucore.Session("host=... dbname=...") as s:
            s.apply(d, "034", dry_run=True)["outcome"]    # "would_apply"
"""

import ctypes
import json
import os
import pathlib
import threading

__all__ = [
    "ABI_VERSION",
    "REPORT_FORMAT",
    "BadHandleError",
    "CheckFailedError",
    "DatabaseConnectionError",
    "DatabaseError",
    "Definition",
    "DefinitionError",
    "DriftError",
    "FileError",
    "InternalError",
    "InvalidArgumentError",
    "InvalidUtf8Error",
    "IucoreError",
    "JsonError",
    "LibraryError",
    "NullPointerError",
    "RefusedError",
    "Session",
    "abi_version",
    "load_library",
    "prove",
    "status_name",
    "version",
]

#: The library version this module is written against (exactly), and its ABI (SONAME) version.
__version__ = "1.0.0"
ABI_VERSION = 1
#: The "format" every report (a dict with an "operation") carries; its JSON Schema is
#: capi/schemas/<operation>.json in the source tree.
REPORT_FORMAT = "iucore-report/1"

# Status codes of capi/iucore.h (part of the ABI; they never change).
OK = 0
E_INVALID_ARGUMENT = -1
E_DEFINITION = -2
E_REFUSED = -3
E_CHECK_FAILED = -4
E_DRIFT = -5
E_DATABASE = -6
E_CONNECTION = -7
E_IO = -8
E_INTERNAL = -9
E_NULL_POINTER = -10
E_INVALID_UTF8 = -11
E_BAD_HANDLE = -12
E_JSON = -13

ERROR_NAMES = {
    E_INVALID_ARGUMENT: "invalid_argument",
    E_DEFINITION: "definition",
    E_REFUSED: "refused",
    E_CHECK_FAILED: "check_failed",
    E_DRIFT: "drift",
    E_DATABASE: "database",
    E_CONNECTION: "connection",
    E_IO: "io",
    E_INTERNAL: "internal",
    E_NULL_POINTER: "null_pointer",
    E_INVALID_UTF8: "invalid_utf8",
    E_BAD_HANDLE: "bad_handle",
    E_JSON: "json",
}


class IucoreError(Exception):
    """A failed library call, as ``iucore_last_error_json()`` describes it.

    ``code`` is one of the E_* codes (None for a :class:`LibraryError`), ``message`` the
    library's message (an echoed input longer than 200 bytes is cut, with its full length),
    ``sqlstate`` the server's SQLSTATE when the server reported the error (else None),
    ``path`` where in a JSON input the error is (``"options_json.dry_run"``,
    ``"$.migrations[1].id"``; else None), ``detail`` and ``hint`` the server's (else None).
    Each code raises its own subclass (:class:`RefusedError`, :class:`DatabaseError`, ...);
    ``IucoreError.for_code(code)`` names it.
    """

    def __init__(self, code, message, sqlstate=None, path=None, detail=None, hint=None):
        self.code = code
        self.message = message
        self.sqlstate = sqlstate
        self.path = path
        self.detail = detail
        self.hint = hint
        suffix = f" (SQLSTATE {sqlstate})" if sqlstate and sqlstate not in message else ""
        super().__init__(f"[{self.name}] {message}{suffix}")

    @property
    def name(self):
        return ERROR_NAMES.get(self.code, "unknown" if self.code is not None else "library")

    @staticmethod
    def for_code(code):
        """The exception class raised for ``code`` (IucoreError for an unknown one)."""
        return _ERROR_CLASSES.get(code, IucoreError)


class InvalidArgumentError(IucoreError):
    """E_INVALID_ARGUMENT: bad input (an unknown command, argument, version or migration)."""


class DefinitionError(IucoreError):
    """E_DEFINITION: a definition that does not hold together (``path`` names where)."""


class RefusedError(IucoreError):
    """E_REFUSED: a guard, gate or check said no; nothing was changed."""


class CheckFailedError(IucoreError):
    """E_CHECK_FAILED: a preflight requirement is missing or a verification check failed."""


class DriftError(IucoreError):
    """E_DRIFT: an applied migration's checksum no longer matches the definition."""


class DatabaseError(IucoreError):
    """E_DATABASE: the server reported an error (``sqlstate`` says which; ``detail`` and
    ``hint`` are the server's DETAIL and HINT, None when it gave none)."""


class DatabaseConnectionError(IucoreError):
    """E_CONNECTION: could not reach or lost the server."""


class FileError(IucoreError):
    """E_IO: reading or writing a file."""


class InternalError(IucoreError):
    """E_INTERNAL: a bug in the library (an unexpected exception was caught)."""


class NullPointerError(IucoreError):
    """E_NULL_POINTER: a required argument was None."""


class InvalidUtf8Error(IucoreError):
    """E_INVALID_UTF8: a bytes argument is not valid UTF-8."""


class BadHandleError(IucoreError):
    """E_BAD_HANDLE: a closed handle, or a handle of the wrong kind."""


class JsonError(IucoreError):
    """E_JSON: a JSON argument is malformed or of the wrong shape (``path`` names where)."""


_ERROR_CLASSES = {
    E_INVALID_ARGUMENT: InvalidArgumentError,
    E_DEFINITION: DefinitionError,
    E_REFUSED: RefusedError,
    E_CHECK_FAILED: CheckFailedError,
    E_DRIFT: DriftError,
    E_DATABASE: DatabaseError,
    E_CONNECTION: DatabaseConnectionError,
    E_IO: FileError,
    E_INTERNAL: InternalError,
    E_NULL_POINTER: NullPointerError,
    E_INVALID_UTF8: InvalidUtf8Error,
    E_BAD_HANDLE: BadHandleError,
    E_JSON: JsonError,
}


class LibraryError(IucoreError):
    """No library found, or one of another version: refused (``code`` is None)."""

    def __init__(self, message):
        super().__init__(None, message)


_c_int = ctypes.c_int
_c_str = ctypes.c_char_p
_handle = ctypes.c_void_p
_out_handle = ctypes.POINTER(ctypes.c_void_p)
_out_str = ctypes.POINTER(ctypes.c_void_p)  # char**: kept as an address so it can be freed

# Every function of capi/iucore.h: name -> (restype, argtypes).
_PROTOTYPES = {
    "iucore_version": (_c_str, []),
    "iucore_abi_version": (_c_int, []),
    "iucore_last_error_code": (_c_int, []),
    "iucore_last_error_message": (_c_str, []),
    "iucore_last_error_json": (_c_str, []),
    "iucore_status_name": (_c_str, [_c_int]),
    "iucore_free": (None, [ctypes.c_void_p]),
    "iucore_definition_load_file": (_c_int, [_out_handle, _c_str]),
    "iucore_definition_load_json": (_c_int, [_out_handle, _c_str, _c_str]),
    "iucore_definition_destroy": (_c_int, [_out_handle]),
    "iucore_definition_json": (_c_int, [_out_str, _handle]),
    "iucore_figures": (_c_int, [_out_str, _handle, _c_str]),
    "iucore_catalog": (_c_int, [_out_str, _handle, _c_str]),
    "iucore_render_forward": (_c_int, [_out_str, _handle, _c_str]),
    "iucore_render_rollback": (_c_int, [_out_str, _handle, _c_str]),
    "iucore_render_seed": (_c_int, [_out_str, _handle, _c_str]),
    "iucore_pins": (_c_int, [_out_str, _handle, _c_int, _c_str]),
    "iucore_explain": (_c_int, [_out_str, _handle, _handle, _c_str, _c_str]),
    "iucore_session_open": (_c_int, [_out_handle, _c_str]),
    "iucore_session_close": (_c_int, [_out_handle]),
    "iucore_session_open_with": (_c_int, [_out_handle, _c_str, _c_str]),
    "iucore_session_cancel": (_c_int, [_handle]),
    "iucore_session_reset": (_c_int, [_handle]),
    "iucore_apply": (_c_int, [_out_str, _handle, _handle, _c_str, _c_str]),
    "iucore_verify": (_c_int, [_out_str, _handle, _handle, _c_str]),
    "iucore_rollback": (_c_int, [_out_str, _handle, _handle, _c_str]),
    "iucore_prove": (_c_int, [_out_str, _c_str, _handle, _c_str]),
    "iucore_diff": (_c_int, [_out_str, _handle, _handle]),
    "iucore_surface": (_c_int, [_out_str, _handle, _handle]),
    "iucore_status": (_c_int, [_out_str, _handle, _handle]),
    "iucore_snapshot": (_c_int, [_out_str, _handle, _handle]),
    "iucore_gates": (_c_int, [_out_str, _handle, _handle]),
    "iucore_run": (_c_int, [_out_str, _handle, _handle, _c_str, _c_str, _c_str]),
    "iucore_promote": (_c_int, [_out_str, _handle, _handle, _c_str, _c_str]),
}

_lock = threading.Lock()
_library = None


_SONAME = "libiucore.so.1"


def _installed_libdirs(here):
    """The library directories of the install this package belongs to."""
    dirs = []
    try:  # written by `cmake --install` (cmake/IucoreInstallPython.cmake), copied by pip
        from . import _installed
    except ImportError:
        _installed = None
    if _installed is not None:
        if _installed.LIBDIR_FROM_PACKAGE:  # <prefix>/share/iucore/python/iucore, maybe moved
            dirs.append(here / _installed.LIBDIR_FROM_PACKAGE)
        dirs.append(pathlib.Path(_installed.LIBDIR))  # the prefix cmake --install was given
    # <prefix>/share/iucore/python/iucore, or pip install --prefix <prefix>:
    # <prefix>/lib/python3.X/site-packages/iucore
    if len(here.parents) >= 4 and (
        here.parents[1].name == "iucore" or here.parent.name in ("site-packages", "dist-packages")
    ):
        prefix = here.parents[3]
        dirs += sorted(prefix.glob("lib*")) + sorted(prefix.glob("lib/*-linux-gnu"))
    return dirs


def _build_tree_libraries(here):
    """libiucore.so.1 in the build directories of a source checkout (examples/python/iucore ->
    <source>/build/*/capi), newest first; sanitizer builds are left out (their library cannot be
    loaded into an uninstrumented interpreter)."""
    source = here.parents[2]
    if not (source / "capi" / "iucore.h").exists():
        return []
    found = []
    for lib in (source / "build").glob("*/capi/" + _SONAME):
        try:
            cache = (lib.parents[1] / "CMakeCache.txt").read_text(errors="replace")
        except OSError:
            cache = ""
        if "-fsanitize" not in cache:
            found.append(lib)
    return [str(p) for p in sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)]


def _candidates():
    """Where libiucore.so.1 may be, in order: $IUCORE_LIBRARY (a path; nothing else is tried);
    the install this package came from (cmake --install, then pip install from
    <prefix>/share/iucore/python, or that directory itself); the system's linker path
    (LD_LIBRARY_PATH, the ld.so cache; ctypes.util.find_library); a build tree of the source
    checkout this package sits in."""
    explicit = os.environ.get("IUCORE_LIBRARY")
    if explicit:
        return [explicit]
    here = pathlib.Path(__file__).resolve().parent
    found = []
    for libdir in _installed_libdirs(here):
        path = libdir / _SONAME
        if path.exists() and str(path.resolve()) not in found:
            found.append(str(path.resolve()))
    found.append(_SONAME)  # the system loader's search path
    import ctypes.util

    name = ctypes.util.find_library("iucore")
    if name and name != _SONAME:
        found.append(name)
    found += _build_tree_libraries(here)
    return found


def _check_versions(lib, path):
    got_abi = lib.iucore_abi_version()
    got_version = lib.iucore_version().decode("utf-8")
    if got_abi != ABI_VERSION or got_version != __version__:
        raise LibraryError(
            f"{path} is iucore {got_version} (ABI {got_abi}); this module needs iucore "
            f"{__version__} (ABI {ABI_VERSION})"
        )


def load_library(path=None, force=False):
    """The loaded library (loaded and checked once). ``path`` overrides the search."""
    global _library
    with _lock:
        if _library is not None and not force and path is None:
            return _library
        errors = []
        for candidate in [path] if path else _candidates():
            try:
                lib = ctypes.CDLL(candidate)
            except OSError as e:
                errors.append(f"{candidate}: {e}")
                continue
            for name, (restype, argtypes) in _PROTOTYPES.items():
                fn = getattr(lib, name)
                fn.restype = restype
                fn.argtypes = argtypes
            _check_versions(lib, candidate)
            _library = lib
            return lib
        raise LibraryError(
            "libiucore.so.1 not found (set IUCORE_LIBRARY to its path): " + "; ".join(errors)
        )


def _lib():
    return _library if _library is not None else load_library()


def version():
    """The library's version string."""
    return _lib().iucore_version().decode("utf-8")


def abi_version():
    return _lib().iucore_abi_version()


def _text(value):
    """A str as UTF-8 bytes; bytes pass unchanged (the library checks they are UTF-8)."""
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return str(value).encode("utf-8", "surrogatepass")


def _json_text(value):
    """A JSON parameter: Python values are serialised; str/bytes are passed as given."""
    if value is None or isinstance(value, (str, bytes, bytearray)):
        return _text(value)
    return json.dumps(value).encode("utf-8")


_quote_json = json.encoder.encode_basestring_ascii  # what json.dumps writes for a str


def _args_text(args):
    """``["key=value", ...]`` as JSON text (str/bytes are passed as given). A list of str, what
    explain and run get per call, is written directly: json.dumps builds an encoder per call,
    which cost more than the rest of the module's share of explain. Same text as json.dumps."""
    if args is None or isinstance(args, (str, bytes, bytearray)):
        return _text(args)
    args = list(args)
    if all(type(a) is str for a in args):
        return ("[" + ", ".join(map(_quote_json, args)) + "]").encode("ascii")
    return json.dumps(args).encode("utf-8")  # anything else: the library names what is wrong


def status_name(code):
    """The name of a status code as capi/iucore.h spells it (``"IUCORE_E_REFUSED"``)."""
    return _lib().iucore_status_name(code).decode("utf-8")


def _raise(status):
    """Raises the typed exception for this thread's last error (``status`` is not OK)."""
    error = json.loads(_lib().iucore_last_error_json().decode("utf-8", "replace"))
    raise IucoreError.for_code(status)(
        status,
        error["message"],
        sqlstate=error["sqlstate"],
        path=error["path"],
        detail=error["detail"],
        hint=error["hint"],
    )


def _check(status):
    if status != OK:
        _raise(status)


# Bound once: explain and run are called per DOT command.
_decode_json = json.JSONDecoder().decode
_byref = ctypes.byref
_c_void_p = ctypes.c_void_p
_string_at = ctypes.string_at


def _call_json(function, *args, parse=True):
    """Calls ``function(&out, *args)``, raises on failure, returns the parsed JSON (or text)."""
    lib = _library if _library is not None else load_library()
    out = _c_void_p()
    status = getattr(lib, function)(_byref(out), *args)
    try:
        if status != OK:
            _raise(status)
        text = _string_at(out.value).decode("utf-8") if out.value else None
    finally:
        lib.iucore_free(out)
    return _decode_json(text) if parse and text is not None else text


class _Handle:
    """An owned library handle: closed once, by ``close``, ``with`` or garbage collection."""

    _release = None  # the library function that frees the handle and sets it to NULL

    def __init__(self, handle):
        self._handle = ctypes.c_void_p(handle)

    @property
    def handle(self):
        """The raw handle (None once closed); a closed handle is rejected by the library."""
        return self._handle.value

    def close(self):
        if self._handle.value is not None:
            _check(getattr(_lib(), self._release)(ctypes.byref(self._handle)))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


class Definition(_Handle):
    """A loaded definition (an ``iucore_definition`` handle). Immutable: threads may share it."""

    _release = "iucore_definition_destroy"

    @classmethod
    def from_file(cls, path):
        out = ctypes.c_void_p()
        _check(_lib().iucore_definition_load_file(ctypes.byref(out), _text(os.fspath(path))))
        return cls(out.value)

    @classmethod
    def from_json(cls, text, source=None):
        """``text``: JSON text, or a dict (serialised)."""
        out = ctypes.c_void_p()
        status = _lib().iucore_definition_load_json(
            ctypes.byref(out), _json_text(text), _text(source)
        )
        _check(status)
        return cls(out.value)

    def to_json(self):
        return _call_json("iucore_definition_json", self._handle)

    def figures(self, version=None):
        return _call_json("iucore_figures", self._handle, _text(version))

    def catalog(self, version=None):
        return _call_json("iucore_catalog", self._handle, _text(version))

    @property
    def registry(self):
        """Every DOT command name the definition registers, in order."""
        return [entry["command"] for entry in self.to_json()["registry"]]

    def render_forward(self, migration_id):
        return _call_json("iucore_render_forward", self._handle, _text(migration_id))

    def render_rollback(self, migration_id):
        return _call_json("iucore_render_rollback", self._handle, _text(migration_id))

    def render_seed(self, version=None):
        return _call_json("iucore_render_seed", self._handle, _text(version))

    def pins(self, check=False, base_dir=None):
        base = _text(os.fspath(base_dir)) if base_dir is not None else None
        return _call_json("iucore_pins", self._handle, 1 if check else 0, base)

    def explain(self, command, args=(), session=None):
        """The plan of ``command``; offline without a session, with live configs with one."""
        return _call_json(
            "iucore_explain",
            session._handle if session is not None else None,
            self._handle,
            _text(command),
            _args_text(args),
        )


class Session(_Handle):
    """One database session (an ``iucore_session`` handle): one thread at a time.

    ``application_name``, ``lock_timeout_ms`` and ``statement_timeout_ms`` (0: wait forever;
    None: the server's setting) hold for every statement of every call: a call that waits
    longer on a lock, or runs longer, raises :class:`DatabaseError` (``sqlstate`` "55P03" or
    "57014") and commits nothing. :meth:`cancel` may be called from another thread (or a
    signal handler) while a call runs. Once the server or the network ends the session, every
    call raises :class:`DatabaseConnectionError` until :meth:`reset`.
    """

    _release = "iucore_session_close"

    def __init__(
        self, conninfo=None, *, application_name=None, lock_timeout_ms=None, statement_timeout_ms=None
    ):
        options = {
            key: value
            for key, value in (
                ("application_name", application_name),
                ("lock_timeout_ms", lock_timeout_ms),
                ("statement_timeout_ms", statement_timeout_ms),
            )
            if value is not None
        }
        out = ctypes.c_void_p()
        _check(
            _lib().iucore_session_open_with(
                ctypes.byref(out), _text(conninfo), _json_text(options) if options else None
            )
        )
        super().__init__(out.value)

    def cancel(self):
        """Cancels the statement the session runs now, from any thread (nothing if none): that
        call raises :class:`DatabaseError` with ``sqlstate`` "57014"; nothing of it is committed."""
        status = _lib().iucore_session_cancel(self._handle)
        if status != OK:
            raise IucoreError.for_code(status)(status, "session is closed or not a session")

    def reset(self):
        """Reconnects with the same conninfo and options (after the connection was lost)."""
        _check(_lib().iucore_session_reset(self._handle))

    def apply(self, definition, migration_id, dry_run=False, applied_by=None):
        options = {"dry_run": bool(dry_run)}
        if applied_by is not None:
            options["applied_by"] = applied_by
        return _call_json(
            "iucore_apply",
            self._handle,
            definition._handle,
            _text(migration_id),
            _json_text(options),
        )

    def verify(self, definition, version=None):
        return _call_json("iucore_verify", self._handle, definition._handle, _text(version))

    def rollback(self, definition, migration_id):
        return _call_json("iucore_rollback", self._handle, definition._handle, _text(migration_id))

    def diff(self, definition):
        return _call_json("iucore_diff", self._handle, definition._handle)

    def surface(self, definition):
        return _call_json("iucore_surface", self._handle, definition._handle)

    def status(self, definition):
        return _call_json("iucore_status", self._handle, definition._handle)

    def snapshot(self, definition):
        return _call_json("iucore_snapshot", self._handle, definition._handle)

    def gates(self, definition):
        return _call_json("iucore_gates", self._handle, definition._handle)

    def explain(self, definition, command, args=()):
        return definition.explain(command, args, session=self)

    def run(self, definition, command, args=(), actor=None):
        """A governed run; a refusal is a report with "outcome": "refused", not an exception.
        actor: who ran it; None logs the session's current_user. "run_id" is None when the
        run log has no id column."""
        return _call_json(
            "iucore_run",
            self._handle,
            definition._handle,
            _text(command),
            _args_text(args),
            _text(actor),
        )

    def promote(
        self,
        definition,
        function,
        command,
        category,
        mutating=False,
        reversible=False,
        write_path=None,
        migration=None,
    ):
        """The definition with ``function`` governed as ``command`` (in a new migration, or in
        ``migration`` when it is given and not applied yet); written to ``write_path`` when
        given. The report's "definition" is the new definition."""
        options = {
            "function": function,
            "command": command,
            "category": category,
            "mutating": bool(mutating),
            "reversible": bool(reversible),
        }
        if migration is not None:
            options["migration"] = migration
        return _call_json(
            "iucore_promote",
            self._handle,
            definition._handle,
            _json_text(options),
            _text(os.fspath(write_path) if write_path else None),
        )


def prove(conninfo, definition, migration_id):
    """apply -> rollback -> re-apply, each step on a new connection."""
    return _call_json("iucore_prove", _text(conninfo), definition._handle, _text(migration_id))
