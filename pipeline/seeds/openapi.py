"""Import an OpenAPI 3.0 / 3.1 document (JSON or YAML): one tool per operation.

- name: the `operationId` (mapped to ^[a-zA-Z0-9_-]{1,64}$ like every imported name), else the
  method and path (`get_pets_petId`);
- description: the operation's summary and description;
- parameters: one object schema holding the path, query and header parameters (path ones always
  required; cookies, `Authorization`, `Accept`, `Content-Type` and API-key headers of the
  security schemes left out: they are the client's, not the model's) and the request body's
  properties (JSON, else form, else the first media type; `body` when the body is not an object;
  a body property whose name a parameter took is `body_<name>`; readOnly ones left out); the
  spec's example values (a parameter's, a body's named examples) join each field's `examples`,
  which blueprint mode draws from;
- result_schema: the first success response's JSON schema (2xx in order, then 2XX; `default`,
  mostly the error, only when there is no success response);
- read_only: true for GET, HEAD and OPTIONS.
`$ref`s into the document are inlined (a schema that contains itself becomes a plain object at the
second visit); a `$ref` to another file is an error (bundle the spec first). OpenAPI 3.0 schema
words become JSON Schema 2020-12: `nullable` adds "null", boolean `exclusiveMinimum/Maximum`
become numbers, `example` becomes `examples`; `xml`, `externalDocs`, `discriminator`, `$schema`
and `$id` are dropped. Swagger 2.0 is refused with the way out.
"""

from __future__ import annotations

import re
from typing import Any

from filters.quality import is_placeholder
from filters.schema import DATA_KEYS, resolve_ref
from pipeline.errors import InputError
from pipeline.schema_safety import SCHEMA_MAPS
from pipeline.seeds.importers import Imported, _named

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
READ_METHODS = {"get", "head", "options"}
CLIENT_HEADERS = {"authorization", "accept", "content-type", "user-agent", "content-length"}
DROPPED = {"xml", "externalDocs", "discriminator", "$schema", "$id", "nullable", "example"}
VALUE_KEYS = {*DATA_KEYS, "example"}  # values, not schemas: never walked
MAX_VALUES = 200_000  # values one operation's inlined schemas may hold (shared $refs repeat)
BODY_TYPES = ("application/json", "application/x-www-form-urlencoded", "multipart/form-data")


def is_openapi(data: Any) -> bool:
    """Whether `data` is an OpenAPI (or Swagger) document."""
    return isinstance(data, dict) and ("openapi" in data or "swagger" in data) and "paths" in data


class _Document:
    """The document, for `$ref` lookups; `shown` names it in errors."""

    def __init__(self, doc: dict[str, Any], shown: str):
        self.doc, self.shown = doc, shown
        self.budget = MAX_VALUES  # reset for each operation

    def lookup(self, ref: Any, where: str) -> Any:
        if not isinstance(ref, str) or not ref.startswith("#/"):
            raise InputError(
                f"$ref {ref!r} points outside this file: bundle the spec into one file first", self.shown, where
            )
        try:
            return resolve_ref(self.doc, ref)
        except LookupError:
            raise InputError(f"$ref {ref!r} points to nothing", self.shown, where) from None

    def follow(self, node: Any, where: str) -> Any:
        """A node that is a `$ref` (a parameter, a body, a response), followed (chains too)."""
        seen = set()
        while isinstance(node, dict) and "$ref" in node:
            if node["$ref"] in seen:
                raise InputError(f"$ref {node['$ref']!r} refers to itself", self.shown, where)
            seen.add(node["$ref"])
            node = self.lookup(node["$ref"], where)
        return node

    def schema(self, node: Any, where: str, trail: tuple[str, ...] = ()) -> Any:
        """A schema with its `$ref`s inlined and its OpenAPI 3.0 words made JSON Schema 2020-12."""
        self.budget -= 1
        if self.budget < 0:
            raise InputError(
                f"its schemas inline to more than {MAX_VALUES} values (shared $refs repeated): split the operation",
                self.shown,
                where,
            )
        if isinstance(node, list):
            return [self.schema(item, where, trail) for item in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            ref = node["$ref"]
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            if ref in trail:  # a schema that contains itself: stop at a plain object
                name = ref.rsplit("/", 1)[-1]
                return {"type": "object", "description": siblings.get("description") or f"a nested {name}"}
            target = self.schema(self.lookup(ref, where), where, (*trail, ref))
            return {**target, **self.schema(siblings, where, trail)} if isinstance(target, dict) else target
        out = {}
        for key, value in node.items():
            if key in DROPPED or key.startswith("x-"):
                continue
            if key in VALUE_KEYS:
                out[key] = value
            elif key in SCHEMA_MAPS and isinstance(value, dict):  # property names, not schema words
                out[key] = {name: self.schema(sub, where, trail) for name, sub in value.items()}
            else:
                out[key] = self.schema(value, where, trail)
        return _json_schema(node, out)


def _json_schema(original: dict[str, Any], out: dict[str, Any]) -> dict[str, Any]:
    """OpenAPI 3.0 schema words in JSON Schema 2020-12 terms."""
    if original.get("nullable") is True:
        kind = out.get("type")
        if isinstance(kind, str):
            out["type"] = [kind, "null"]
        if isinstance(out.get("enum"), list) and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
    for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if out.get(bound) is True and limit in out:
            out[bound] = out.pop(limit)
        elif isinstance(out.get(bound), bool):
            out.pop(bound)
    if "example" in original and "examples" not in out and not _placeholder(original["example"], ""):
        out["examples"] = [original["example"]]
    if isinstance(out.get("examples"), dict):  # a parameter's named examples, not JSON Schema's list
        out["examples"] = [e.get("value") for e in out["examples"].values() if isinstance(e, dict) and "value" in e]
    return out


def _media_schema(content: Any, doc: _Document, where: str, prefer: tuple[str, ...], json_only: bool = False) -> Any:
    """The schema of the preferred media type of a `content` map (None when there is none)."""
    if not isinstance(content, dict) or not content:
        return None
    kinds = [k for k in prefer if k in content] + [k for k in content if "json" in k]
    kinds += [] if json_only else list(content)
    if not kinds:
        return None
    media = content[kinds[0]]
    schema = media.get("schema") if isinstance(media, dict) else None
    return doc.schema(schema, f"{where}.content[{kinds[0]!r}].schema") if schema is not None else {}


def _flat(schema: Any) -> Any:
    """An `allOf` of object schemas as one object schema (properties and required merged)."""
    if not isinstance(schema, dict) or not isinstance(schema.get("allOf"), list):
        return schema
    parts = [_flat(part) for part in schema["allOf"]]
    if not all(isinstance(part, dict) and part.get("type", "object") == "object" for part in parts):
        return schema
    merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    merged["type"] = "object"
    merged["properties"] = {**merged.get("properties", {})}
    required = list(merged.get("required") or [])
    for part in parts:
        merged["properties"].update(part.get("properties") or {})
        required += part.get("required") or []
    if required:
        merged["required"] = list(dict.fromkeys(required))
    return merged


def _api_key_headers(doc: dict[str, Any]) -> set[str]:
    schemes = ((doc.get("components") or {}).get("securitySchemes") or {}).values()
    return {
        s["name"].lower()
        for s in schemes
        if isinstance(s, dict)
        and s.get("type") == "apiKey"
        and s.get("in") == "header"
        and isinstance(s.get("name"), str)
    }


def _parameters(doc: _Document, shared: Any, operation: dict[str, Any], where: str, secret_headers: set[str]):
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for source, label in ((shared, "parameters"), (operation.get("parameters"), f"{where}.parameters")):
        if source is None:
            continue
        if not isinstance(source, list):
            raise InputError("parameters must be a list", doc.shown, label)
        for i, raw in enumerate(source):
            parameter = doc.follow(raw, f"{label}[{i}]")
            if not isinstance(parameter, dict) or not isinstance(parameter.get("name"), str):
                raise InputError("a parameter needs a name", doc.shown, f"{label}[{i}]")
            merged[(parameter["name"], parameter.get("in", ""))] = {**parameter, "_where": f"{label}[{i}]"}
    properties: dict[str, Any] = {}
    required: list[str] = []
    for (name, place), parameter in merged.items():
        if place == "cookie" or place == "header" and (name.lower() in CLIENT_HEADERS | secret_headers):
            continue
        spot = parameter["_where"]
        schema = parameter.get("schema")
        schema = doc.schema(schema, f"{spot}.schema") if schema is not None else None
        if schema is None:
            schema = _media_schema(parameter.get("content"), doc, spot, ("application/json",)) or {"type": "string"}
        schema = dict(schema) if isinstance(schema, dict) else {}
        if isinstance(parameter.get("description"), str) and parameter["description"].strip():
            schema.setdefault("description", parameter["description"].strip())
        named = parameter.get("examples") if isinstance(parameter.get("examples"), dict) else {}
        values = [e.get("value") for e in named.values() if isinstance(e, dict) and "value" in e]
        schema = _with_examples(schema, [*([parameter["example"]] if "example" in parameter else []), *values], name)
        key = name if name not in properties else f"{place}_{name}"
        properties[key] = schema
        if place == "path" or parameter.get("required") is True:
            required.append(key)
    return properties, required


def _body(doc: _Document, operation: dict[str, Any], where: str, properties: dict[str, Any], required: list[str]):
    if "requestBody" not in operation:
        return
    spot = f"{where}.requestBody"
    body = doc.follow(operation["requestBody"], spot)
    if not isinstance(body, dict):
        raise InputError("requestBody must be an object", doc.shown, spot)
    schema = _flat(_media_schema(body.get("content"), doc, spot, BODY_TYPES))
    if schema is None:
        return
    needed = body.get("required") is True
    if (
        isinstance(schema, dict)
        and isinstance(schema.get("properties"), dict)
        and schema.get("type", "object") == "object"
    ):
        inner = set(schema.get("required") or [])  # a call sends a body: its own required fields hold
        examples = _media_examples(body.get("content"))
        for name, field in schema["properties"].items():
            if isinstance(field, dict) and field.get("readOnly") is True:
                continue  # the server's to write, not the caller's
            key = name if name not in properties else f"body_{name}"
            properties[key] = _with_examples(field, [example[name] for example in examples if name in example], name)
            if name in inner:
                required.append(key)
    else:
        properties["body"] = schema
        if needed:
            required.append("body")


def _media_examples(content: Any) -> list[dict[str, Any]]:
    """The object values of a body's named examples (`examples: {name: {value: {...}}}`, `example`)."""
    found = []
    for media in content.values() if isinstance(content, dict) else ():
        if not isinstance(media, dict):
            continue
        named = media.get("examples") if isinstance(media.get("examples"), dict) else {}
        found += [e.get("value") for e in named.values() if isinstance(e, dict)]
        found.append(media.get("example"))
    return [value for value in found if isinstance(value, dict)]


PLACEHOLDER = re.compile(r"(.)\1{7,}")  # "MGaaaaaaaaaaaaaaaa", "AAAAAAAAAAA": a spec's stand-in, not a value


def _placeholder(value: Any, name: str) -> bool:
    """An example that only stands in for a value: one the placeholder check rejects in a call
    ("12345"), a long run of one character ("MGaaaa..."), or the field's own name (Twilio's
    `CustomCode: custom_code`)."""
    if not isinstance(value, str):
        return False
    flat = lambda text: re.sub(r"[^a-z0-9]", "", text.lower())  # noqa: E731
    return is_placeholder(value) or bool(PLACEHOLDER.search(value)) or flat(value) == flat(name)


def _with_examples(field: Any, values: list[Any], name: str = "") -> Any:
    """A property with the spec's example values for it added to its `examples` (blueprint mode
    draws from them), keeping only values of its type that are not placeholders."""
    values = [value for value in values if not _placeholder(value, name)]
    if not isinstance(field, dict) or not values:
        return field
    kinds = {"string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,)}
    kind = kinds.get(field.get("type")) if isinstance(field.get("type"), str) else None
    fitting = [v for v in values if kind is None or (isinstance(v, kind) and (bool in kind or not isinstance(v, bool)))]
    merged = list(field.get("examples") or [])
    merged += [v for v in fitting if v not in merged]
    return {**field, "examples": merged} if merged else field


def _result(doc: _Document, operation: dict[str, Any], where: str) -> dict[str, Any] | None:
    responses = operation.get("responses")
    if not isinstance(responses, dict):
        return None
    codes = {str(code): value for code, value in responses.items()}
    success = sorted(code for code in codes if code.startswith("2") and code != "2XX")
    order = [*success, "2XX"] if success or "2XX" in codes else ["default"]  # `default` is mostly the error
    for code in order:
        if code in codes:
            spot = f"{where}.responses[{code!r}]"
            response = doc.follow(codes[code], spot)
            content = response.get("content") if isinstance(response, dict) else None
            schema = _media_schema(content, doc, spot, ("application/json",), json_only=True)
            return schema if isinstance(schema, dict) and schema else None
    return None


def _name(operation: dict[str, Any], method: str, path: str) -> str:
    if isinstance(operation.get("operationId"), str) and operation["operationId"].strip():
        return operation["operationId"].strip()
    slug = re.sub(r"[{}]", "", path).strip("/").replace("/", "_")
    return f"{method}_{slug}" if slug else method


def _description(operation: dict[str, Any], item: dict[str, Any], method: str, path: str) -> str:
    """The operation's summary and description; where it has neither, its path's, with the method
    and path (Twilio's specs describe paths, not operations)."""
    for node in (operation, item):
        parts = [node.get(key) for key in ("summary", "description")]
        parts = [part.strip() for part in parts if isinstance(part, str) and part.strip()]
        if len(parts) == 2 and parts[1].startswith(parts[0]):
            parts = parts[1:]
        if parts:
            return "\n\n".join(parts) if node is operation else f"{' '.join(parts)} ({method.upper()} {path})"
    return ""


def convert(doc: dict[str, Any], shown: str) -> list[Imported]:
    """One Imported function per operation of the document (see the module's docstring)."""
    if "swagger" in doc:
        raise InputError(
            "Swagger 2.0 is not read: convert it to OpenAPI 3 first (e.g. `npx swagger2openapi`)", shown, "swagger"
        )
    if not str(doc.get("openapi", "")).startswith("3."):
        raise InputError(f"OpenAPI {doc.get('openapi')!r} is not read (3.0 and 3.1 are)", shown, "openapi")
    paths = doc.get("paths")
    if not isinstance(paths, dict):
        raise InputError("paths must be an object", shown, "paths")
    document, secret_headers = _Document(doc, shown), _api_key_headers(doc)
    out: list[Imported] = []
    for path, item in paths.items():
        spot = f"paths[{path!r}]"
        item = document.follow(item, spot)
        if not isinstance(item, dict):
            raise InputError("a path item must be an object", shown, spot)
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            where = f"{spot}.{method}"
            if not isinstance(operation, dict):
                raise InputError("an operation must be an object", shown, where)
            document.budget = MAX_VALUES
            properties, required = _parameters(document, item.get("parameters"), operation, where, secret_headers)
            _body(document, operation, where, properties, required)
            parameters: dict[str, Any] = {"type": "object", "properties": properties}
            if required:
                parameters["required"] = list(dict.fromkeys(required))
            body = {
                "name": _name(operation, method, path),
                "description": _description(operation, item, method, path),
                "parameters": parameters,
                "read_only": method in READ_METHODS,
            }
            result = _result(document, operation, where)
            if result:
                body["result_schema"] = result
            out.append(Imported(body, shown, where, None))
    if not out:
        raise InputError("no operations under paths", shown, "paths")
    return _named(out)
