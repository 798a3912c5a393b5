import { readFileSync } from "node:fs";
import path from "node:path";
import { get_dmmf } from "@prisma/prisma-schema-wasm";

/**
 * Schema drift detector: what prisma/schema.prisma promises (read through
 * Prisma's own parser, the DMMF) against what the migrations actually built
 * (read from pg_catalog). Migrations here are hand-written SQL, so nothing else
 * stops a model change from shipping without its migration, or a migration
 * from disagreeing with the model the client is generated from.
 *
 * Both sides become the same plain `Catalog`; `diffCatalogs` lists every
 * difference as one readable line. An empty list means no drift.
 */

export const SCHEMA_PATH = path.resolve(__dirname, "../../prisma/schema.prisma");

/** Tables that exist in the database but are not models. */
export const BOOKKEEPING_TABLES = ["_prisma_migrations"];

export type Column = {
  /** `format_type()` spelling, or `enum <name>` for enum columns (`[]` appended for lists). */
  type: string;
  notNull: boolean;
  /** Normalised default: a literal's value, `CURRENT_TIMESTAMP`, `autoincrement()`, or null for none. */
  default: string | null;
  /** Where it comes from in schema.prisma (expected side only), for messages. */
  origin?: string;
};

export type ForeignKey = {
  columns: string[];
  refTable: string;
  refColumns: string[];
  onDelete: string;
  onUpdate: string;
  origin?: string;
};

export type Table = {
  columns: Map<string, Column>;
  primaryKey: string[] | null;
  /** Index descriptors such as `(user_id, created_at)` or `USING gin (tags)`. */
  uniqueIndexes: string[];
  indexes: string[];
  foreignKeys: ForeignKey[];
  origin?: string;
};

export type Catalog = { tables: Map<string, Table>; enums: Map<string, string[]> };

// ---------------------------------------------------------------------------
// Expected side: schema.prisma through the DMMF

type DmmfDefault =
  | string
  | number
  | boolean
  | Array<string | number | boolean>
  | { name: string; args: Array<string | number> };

type DmmfField = {
  name: string;
  dbName?: string | null;
  kind: "scalar" | "enum" | "object" | "unsupported";
  type: string;
  isList: boolean;
  isRequired: boolean;
  isId: boolean;
  hasDefaultValue: boolean;
  default?: DmmfDefault;
  nativeType?: [string, string[]] | null;
  isUpdatedAt: boolean;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
  relationOnUpdate?: string;
};

type DmmfModel = {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
  primaryKey: { name: string | null; fields: string[] } | null;
};

type DmmfEnum = { name: string; dbName?: string | null; values: Array<{ name: string; dbName: string | null }> };

type DmmfIndex = {
  model: string;
  type: "id" | "unique" | "normal" | "fulltext";
  algorithm?: string;
  fields: Array<{ name: string; sortOrder?: "asc" | "desc" }>;
};

type Datamodel = { models: DmmfModel[]; enums: DmmfEnum[]; indexes: DmmfIndex[] };

export class SchemaParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SchemaParseError";
  }
}

/** schema.prisma → Prisma's DMMF datamodel (throws SchemaParseError on an invalid schema). */
function parseDatamodel(schemaSource: string): Datamodel {
  let raw: string;
  try {
    raw = get_dmmf(JSON.stringify({ prismaSchema: [["schema.prisma", schemaSource]] }));
  } catch (err) {
    // The engine answers with JSON carrying an ANSI-coloured report.
    const text = err instanceof Error ? err.message : String(err);
    let message = text;
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? text;
    } catch {
      // not JSON: keep the text as it is
    }
    throw new SchemaParseError(message.replace(/\u001b\[[0-9;]*m/g, ""));
  }
  return (JSON.parse(raw) as { datamodel: Datamodel }).datamodel;
}

const columnName = (f: DmmfField) => f.dbName ?? f.name;

/** Prisma's PostgreSQL column type for a scalar field, spelled as `format_type()` prints it. */
function expectedScalarType(f: DmmfField): string {
  const [native, rawArgs] = f.nativeType ?? [null, []];
  const args = rawArgs.length ? `(${rawArgs.join(",")})` : "";
  if (native) {
    switch (native) {
      case "Text": return "text";
      case "Char": return `character${args}`;
      case "VarChar": return `character varying${args}`;
      case "Bit": return `bit${args}`;
      case "VarBit": return `bit varying${args}`;
      case "Uuid": return "uuid";
      case "Xml": return "xml";
      case "Inet": return "inet";
      case "Citext": return "citext";
      case "Integer": return "integer";
      case "SmallInt": return "smallint";
      case "BigInt": return "bigint";
      case "Oid": return "oid";
      case "Real": return "real";
      case "DoublePrecision": return "double precision";
      case "Decimal": return `numeric${args}`;
      case "Money": return "money";
      case "Boolean": return "boolean";
      case "Timestamp": return `timestamp${args} without time zone`;
      case "Timestamptz": return `timestamp${args} with time zone`;
      case "Date": return "date";
      case "Time": return `time${args} without time zone`;
      case "Timetz": return `time${args} with time zone`;
      case "Json": return "json";
      case "JsonB": return "jsonb";
      case "ByteA": return "bytea";
      default: return `unknown native type @db.${native}${args}`;
    }
  }
  switch (f.type) {
    case "String": return "text";
    case "Int": return "integer";
    case "BigInt": return "bigint";
    case "Float": return "double precision";
    case "Decimal": return "numeric(65,30)";
    case "Boolean": return "boolean";
    case "DateTime": return "timestamp(3) without time zone";
    case "Json": return "jsonb";
    case "Bytes": return "bytea";
    default: return `unknown type ${f.type}`;
  }
}

/** The database default Prisma creates for a field, normalised like `normaliseDefault`. */
function expectedDefault(f: DmmfField, enums: Map<string, DmmfEnum>): string | null {
  if (!f.hasDefaultValue || f.default === undefined) return null;
  const d = f.default;
  if (Array.isArray(d)) return `{${d.map(String).join(",")}}`;
  if (typeof d === "object") {
    switch (d.name) {
      case "now":
        return "CURRENT_TIMESTAMP";
      case "autoincrement":
        return "autoincrement()";
      case "dbgenerated":
        return d.args[0] === undefined ? "dbgenerated()" : normaliseDefault(String(d.args[0]));
      default:
        // uuid(), cuid(), nanoid(), ulid(): generated by the Prisma client, not the database.
        return null;
    }
  }
  if (f.kind === "enum" && typeof d === "string") {
    const value = enums.get(f.type)?.values.find((v) => v.name === d);
    return value?.dbName ?? d;
  }
  return String(d);
}

/** The catalog a database migrated exactly to `schemaSource` would have. */
export function expectedCatalog(schemaSource: string): Catalog {
  const dm = parseDatamodel(schemaSource);
  const enumsByName = new Map(dm.enums.map((e) => [e.name, e]));
  const modelsByName = new Map(dm.models.map((m) => [m.name, m]));
  const tableOf = (m: DmmfModel) => m.dbName ?? m.name;
  const columnsOf = (m: DmmfModel, names: string[]) =>
    names.map((n) => {
      const f = m.fields.find((x) => x.name === n);
      return f ? columnName(f) : n;
    });

  const catalog: Catalog = { tables: new Map(), enums: new Map() };
  for (const e of dm.enums) {
    catalog.enums.set(e.dbName ?? e.name, e.values.map((v) => v.dbName ?? v.name));
  }

  for (const m of dm.models) {
    const table: Table = {
      columns: new Map(),
      primaryKey: null,
      uniqueIndexes: [],
      indexes: [],
      foreignKeys: [],
      origin: `model ${m.name}`,
    };
    for (const f of m.fields) {
      if (f.kind === "object") {
        const target = modelsByName.get(f.type);
        if (!target || !f.relationFromFields?.length) continue; // the back-relation side owns no columns
        table.foreignKeys.push({
          columns: columnsOf(m, f.relationFromFields),
          refTable: tableOf(target),
          refColumns: columnsOf(target, f.relationToFields ?? []),
          // Prisma's defaults: Restrict when the relation is required, SetNull when optional; Cascade on update.
          onDelete: f.relationOnDelete ?? (f.isRequired ? "Restrict" : "SetNull"),
          onUpdate: f.relationOnUpdate ?? "Cascade",
          origin: `${m.name}.${f.name}`,
        });
        continue;
      }
      const base = f.kind === "enum" ? `enum ${enumsByName.get(f.type)?.dbName ?? f.type}` : expectedScalarType(f);
      table.columns.set(columnName(f), {
        type: f.isList ? `${base}[]` : base,
        // Prisma creates list columns without NOT NULL.
        notNull: f.isRequired && !f.isList,
        // @updatedAt is set by the client; Prisma gives the column no default.
        default: f.isUpdatedAt ? null : expectedDefault(f, enumsByName),
        origin: `${m.name}.${f.name}`,
      });
    }
    catalog.tables.set(tableOf(m), table);
  }

  for (const index of dm.indexes) {
    const model = modelsByName.get(index.model);
    const table = model && catalog.tables.get(tableOf(model));
    if (!model || !table) continue;
    const columns = columnsOf(
      model,
      index.fields.map((f) => f.name),
    );
    if (index.type === "id") {
      table.primaryKey = columns;
      continue;
    }
    const descriptor = describeIndex(
      index.algorithm?.toLowerCase() ?? "btree",
      columns.map((c, i) => ({ column: c, desc: index.fields[i]?.sortOrder === "desc" })),
      null,
    );
    (index.type === "unique" ? table.uniqueIndexes : table.indexes).push(descriptor);
  }
  return catalog;
}

/** The catalog of the checked-in prisma/schema.prisma. */
export function expectedCatalogFromFile(file = SCHEMA_PATH): Catalog {
  return expectedCatalog(readFileSync(file, "utf8"));
}

// ---------------------------------------------------------------------------
// Actual side: the database's catalog, restricted to current_schema()

/** Runs one SQL statement and returns its rows (e.g. `(sql) => db.$queryRawUnsafe(sql)`). */
export type QueryFn = (sql: string) => Promise<unknown[]>;

const NAMESPACE = `(SELECT oid FROM pg_namespace WHERE nspname = current_schema())`;

// Every query returns one row holding a JSON text, so the result does not
// depend on how a driver adapter maps oid, "char" or int2vector values.
const CATALOG_QUERIES = {
  tables: `SELECT c.relname AS table FROM pg_class c WHERE c.relnamespace = ${NAMESPACE} AND c.relkind IN ('r', 'p')`,
  columns: `
    SELECT c.relname AS table, a.attname AS column,
           format_type(a.atttypid, a.atttypmod) AS type,
           CASE WHEN t.typtype = 'e' THEN t.typname WHEN et.typtype = 'e' THEN et.typname END AS enum_name,
           (t.typcategory = 'A') AS is_list,
           a.attnotnull AS not_null,
           pg_get_expr(d.adbin, d.adrelid) AS default
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_type t ON t.oid = a.atttypid
    LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE c.relnamespace = ${NAMESPACE} AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY c.relname, a.attnum`,
  indexes: `
    SELECT c.relname AS table, i.relname AS name, x.indisunique AS is_unique, x.indisprimary AS is_primary,
           am.amname AS method, pg_get_expr(x.indpred, x.indrelid) AS predicate,
           (SELECT json_agg(json_build_object(
                     'column', coalesce(a.attname::text, pg_get_indexdef(x.indexrelid, k.ord::int, true)),
                     'desc', (x.indoption[(k.ord - 1)::int] & 1) = 1) ORDER BY k.ord)
              FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
              LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
             WHERE k.ord <= x.indnkeyatts) AS columns
    FROM pg_index x
    JOIN pg_class c ON c.oid = x.indrelid
    JOIN pg_class i ON i.oid = x.indexrelid
    JOIN pg_am am ON am.oid = i.relam
    WHERE c.relnamespace = ${NAMESPACE}`,
  foreignKeys: `
    SELECT c.relname AS table, rc.relname AS ref_table,
           (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
              JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum) AS columns,
           (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
              JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum) AS ref_columns,
           con.confdeltype::text AS on_delete, con.confupdtype::text AS on_update
    FROM pg_constraint con
    JOIN pg_class c ON c.oid = con.conrelid
    JOIN pg_class rc ON rc.oid = con.confrelid
    WHERE con.contype = 'f' AND c.relnamespace = ${NAMESPACE}`,
  enums: `
    SELECT t.typname AS name, json_agg(e.enumlabel ORDER BY e.enumsortorder) AS values
    FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
    WHERE t.typnamespace = ${NAMESPACE}
    GROUP BY t.typname`,
};

type TableRow = { table: string };
type ColumnRow = {
  table: string;
  column: string;
  type: string;
  enum_name: string | null;
  is_list: boolean;
  not_null: boolean;
  default: string | null;
};
type IndexRow = {
  table: string;
  name: string;
  is_unique: boolean;
  is_primary: boolean;
  method: string;
  predicate: string | null;
  columns: Array<{ column: string; desc: boolean }>;
};
type ForeignKeyRow = {
  table: string;
  ref_table: string;
  columns: string[];
  ref_columns: string[];
  on_delete: string;
  on_update: string;
};
type EnumRow = { name: string; values: string[] };

async function queryJson<T>(query: QueryFn, sql: string): Promise<T[]> {
  const rows = await query(`SELECT coalesce(json_agg(q), '[]'::json)::text AS j FROM (${sql}) q`);
  const first = rows[0] as { j?: unknown } | undefined;
  if (typeof first?.j !== "string") throw new Error("catalog query returned no JSON");
  return JSON.parse(first.j) as T[];
}

// pg_constraint.confdeltype / confupdtype codes, in Prisma's vocabulary.
const REFERENTIAL_ACTIONS: Record<string, string> = {
  a: "NoAction",
  r: "Restrict",
  c: "Cascade",
  n: "SetNull",
  d: "SetDefault",
};

/**
 * A default expression as pg_get_expr() prints it, reduced to what schema.prisma
 * can say: `'USER'::"Role"` → `USER`, `'-1'::integer` → `-1`, `now()` →
 * `CURRENT_TIMESTAMP`, `nextval('…'::regclass)` → `autoincrement()`.
 */
export function normaliseDefault(expr: string): string {
  let e = expr.trim();
  if (/^nextval\(/i.test(e)) return "autoincrement()";
  const cast =
    /^([\s\S]*)::(?:(?:"(?:[^"]|"")+"|[a-z_][\w$]*)\.)?(?:"(?:[^"]|"")+"|[a-z_][\w ]*?)(?:\(\d+(?:,\s*\d+)?\))?(?: with(?:out)? time zone)?(?:\[\])*$/i;
  for (;;) {
    const unwrapped = /^\(([\s\S]*)\)$/.exec(e);
    if (unwrapped?.[1] !== undefined) {
      e = unwrapped[1].trim();
      continue;
    }
    const m = cast.exec(e);
    if (!m?.[1]) break;
    e = m[1].trim();
  }
  const quoted = /^'((?:[^']|'')*)'$/.exec(e);
  if (quoted?.[1] !== undefined) return quoted[1].replace(/''/g, "'");
  if (/^now\(\)$/i.test(e) || /^current_timestamp$/i.test(e)) return "CURRENT_TIMESTAMP";
  return e;
}

function describeIndex(method: string, columns: Array<{ column: string; desc: boolean }>, predicate: string | null) {
  const using = method === "btree" ? "" : `USING ${method} `;
  const list = columns.map((c) => (c.desc ? `${c.column} DESC` : c.column)).join(", ");
  return `${using}(${list})${predicate ? ` WHERE ${predicate}` : ""}`;
}

/** The catalog of the database behind `query`, in its current schema. */
export async function readDatabaseCatalog(query: QueryFn): Promise<Catalog> {
  // One after the other: `query` may be a transaction's single connection.
  const tables = await queryJson<TableRow>(query, CATALOG_QUERIES.tables);
  const columns = await queryJson<ColumnRow>(query, CATALOG_QUERIES.columns);
  const indexes = await queryJson<IndexRow>(query, CATALOG_QUERIES.indexes);
  const foreignKeys = await queryJson<ForeignKeyRow>(query, CATALOG_QUERIES.foreignKeys);
  const enums = await queryJson<EnumRow>(query, CATALOG_QUERIES.enums);
  const catalog: Catalog = { tables: new Map(), enums: new Map() };
  for (const e of enums) catalog.enums.set(e.name, e.values);
  for (const t of tables) {
    catalog.tables.set(t.table, {
      columns: new Map(),
      primaryKey: null,
      uniqueIndexes: [],
      indexes: [],
      foreignKeys: [],
    });
  }
  for (const c of columns) {
    const table = catalog.tables.get(c.table);
    if (!table) continue;
    const type = c.enum_name ? `enum ${c.enum_name}${c.is_list ? "[]" : ""}` : c.type;
    table.columns.set(c.column, {
      type,
      notNull: c.not_null,
      default: c.default === null ? null : normaliseDefault(c.default),
    });
  }
  for (const i of indexes) {
    const table = catalog.tables.get(i.table);
    if (!table) continue;
    if (i.is_primary) {
      table.primaryKey = i.columns.map((c) => c.column);
      continue;
    }
    const descriptor = describeIndex(i.method, i.columns, i.predicate);
    (i.is_unique ? table.uniqueIndexes : table.indexes).push(descriptor);
  }
  for (const fk of foreignKeys) {
    catalog.tables.get(fk.table)?.foreignKeys.push({
      columns: fk.columns,
      refTable: fk.ref_table,
      refColumns: fk.ref_columns,
      onDelete: REFERENTIAL_ACTIONS[fk.on_delete] ?? fk.on_delete,
      onUpdate: REFERENTIAL_ACTIONS[fk.on_update] ?? fk.on_update,
    });
  }
  return catalog;
}

// ---------------------------------------------------------------------------
// Comparison

const list = (items: readonly string[]) => `[${items.join(", ")}]`;
const from = (origin: string | undefined) => (origin ? ` (${origin})` : "");
const describeColumn = (c: Column) =>
  `${c.type}${c.notNull ? " NOT NULL" : ""}${c.default === null ? "" : ` DEFAULT ${c.default}`}`;
const describeForeignKey = (fk: ForeignKey) => `(${fk.columns.join(", ")}) → ${fk.refTable}(${fk.refColumns.join(", ")})`;

/** Items of `a` not matched one-for-one in `b` (a multiset difference). */
function missingFrom(a: readonly string[], b: readonly string[]): string[] {
  const pool = [...b];
  return a.filter((item) => {
    const at = pool.indexOf(item);
    if (at === -1) return true;
    pool.splice(at, 1);
    return false;
  });
}

/**
 * Every way `actual` (the database) differs from `expected` (schema.prisma),
 * one readable line each, in a stable order. Empty when they agree.
 */
export function diffCatalogs(expected: Catalog, actual: Catalog): string[] {
  const out: string[] = [];

  for (const [name, values] of expected.enums) {
    const got = actual.enums.get(name);
    if (!got) out.push(`enum ${name}: missing in the database (schema.prisma has ${list(values)})`);
    else if (list(got) !== list(values)) {
      out.push(`enum ${name}: values are ${list(got)} in the database, ${list(values)} in schema.prisma`);
    }
  }
  for (const [name, values] of actual.enums) {
    if (!expected.enums.has(name)) out.push(`enum ${name}: in the database ${list(values)} but not in schema.prisma`);
  }

  for (const [name, want] of expected.tables) {
    const got = actual.tables.get(name);
    if (!got) {
      out.push(`table ${name}: missing in the database${from(want.origin)}`);
      continue;
    }
    out.push(...diffTable(name, want, got));
  }
  for (const name of actual.tables.keys()) {
    if (!expected.tables.has(name) && !BOOKKEEPING_TABLES.includes(name)) {
      out.push(`table ${name}: in the database but no model maps to it`);
    }
  }
  return out;
}

function diffTable(name: string, want: Table, got: Table): string[] {
  const out: string[] = [];
  const at = `table ${name}`;

  for (const [col, w] of want.columns) {
    const g = got.columns.get(col);
    if (!g) {
      out.push(`${at}: column ${col} missing in the database (schema.prisma: ${describeColumn(w)})${from(w.origin)}`);
      continue;
    }
    if (g.type !== w.type) {
      out.push(`${at}: column ${col} has type ${g.type} in the database, ${w.type} in schema.prisma${from(w.origin)}`);
    }
    if (g.notNull !== w.notNull) {
      const say = (notNull: boolean) => (notNull ? "NOT NULL" : "nullable");
      out.push(`${at}: column ${col} is ${say(g.notNull)} in the database, ${say(w.notNull)} in schema.prisma${from(w.origin)}`);
    }
    const defaultsAgree = g.default === w.default || (w.default === "dbgenerated()" && g.default !== null);
    if (!defaultsAgree) {
      const say = (d: string | null) => (d === null ? "no default" : `default ${d}`);
      out.push(`${at}: column ${col} has ${say(g.default)} in the database, ${say(w.default)} in schema.prisma${from(w.origin)}`);
    }
  }
  for (const [col, g] of got.columns) {
    if (!want.columns.has(col)) out.push(`${at}: column ${col} (${describeColumn(g)}) is in the database but not in schema.prisma`);
  }

  const pk = (cols: string[] | null) => (cols ? `(${cols.join(", ")})` : "none");
  if (pk(got.primaryKey) !== pk(want.primaryKey)) {
    out.push(`${at}: primary key is ${pk(got.primaryKey)} in the database, ${pk(want.primaryKey)} in schema.prisma`);
  }

  for (const [kind, w, g] of [
    ["unique index", want.uniqueIndexes, got.uniqueIndexes],
    ["index", want.indexes, got.indexes],
  ] as const) {
    for (const d of missingFrom(w, g)) out.push(`${at}: ${kind} ${d} missing in the database`);
    for (const d of missingFrom(g, w)) out.push(`${at}: ${kind} ${d} is in the database but not in schema.prisma`);
  }

  const key = (fk: ForeignKey) => fk.columns.join(",");
  for (const w of want.foreignKeys) {
    const g = got.foreignKeys.find((fk) => key(fk) === key(w));
    if (!g) {
      out.push(`${at}: foreign key ${describeForeignKey(w)} missing in the database${from(w.origin)}`);
      continue;
    }
    if (describeForeignKey(g) !== describeForeignKey(w)) {
      out.push(`${at}: foreign key references ${describeForeignKey(g)} in the database, ${describeForeignKey(w)} in schema.prisma${from(w.origin)}`);
    }
    if (g.onDelete !== w.onDelete) {
      out.push(`${at}: foreign key ${describeForeignKey(w)} is onDelete ${g.onDelete} in the database, ${w.onDelete} in schema.prisma${from(w.origin)}`);
    }
    if (g.onUpdate !== w.onUpdate) {
      out.push(`${at}: foreign key ${describeForeignKey(w)} is onUpdate ${g.onUpdate} in the database, ${w.onUpdate} in schema.prisma${from(w.origin)}`);
    }
  }
  for (const g of got.foreignKeys) {
    if (!want.foreignKeys.some((fk) => key(fk) === key(g))) {
      out.push(`${at}: foreign key ${describeForeignKey(g)} is in the database but not in schema.prisma`);
    }
  }
  return out;
}

/** Differences between a schema source (default: prisma/schema.prisma) and the database behind `query`. */
export async function findSchemaDrift(query: QueryFn, schemaSource?: string): Promise<string[]> {
  const expected = schemaSource === undefined ? expectedCatalogFromFile() : expectedCatalog(schemaSource);
  return diffCatalogs(expected, await readDatabaseCatalog(query));
}
