/**
 * The end-to-end stack: the real worker under `wrangler dev` (its own port, its own fresh D1 /
 * Durable Object / queue state) beside a mock buyer, both on loopback. Used by test/e2e/** and
 * by `npm run soak`.
 */
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startCronTicker, triggerScheduled } from "../../src/cli/lib/cron.mjs";
import { groupAlive, signalGroup, spawnGroup, stopGroup } from "../../src/cli/lib/proc.mjs";
import { createSourceSql } from "../../src/cli/lib/sql.mjs";
import { applyMigrations, d1Execute, freePort, ROOT, readVarsFile, WRANGLER, waitForHttp, wranglerEnv } from "../../src/cli/lib/wrangler.mjs";
import { type MockBuyer, type MockBuyerOptions, startMockBuyer } from "../mock-buyer/server";

export interface StackOptions {
  /** Extra or overriding Worker vars (`--var NAME:VALUE`), e.g. LEAD_MAX_AGE_HOURS. */
  vars?: Record<string, string>;
  /** Buyer configs replacing buyers/*.json, passed as the BUYER_CONFIGS var (JSON). */
  buyerConfigs?: unknown[];
  /** Options for the mock buyer (its leadwireOrigin is set to the stack's worker). */
  mock?: Omit<MockBuyerOptions, "port" | "leadwireOrigin">;
  /** Name of the seeded source (default "E2E source"). */
  sourceName?: string;
  /** How long to wait for wrangler dev to answer /health (default 90 s). */
  startTimeoutMs?: number;
  /** Echo wrangler's output to this process's stderr as it comes (default: env E2E_VERBOSE=1). */
  echo?: boolean;
  /** Fire the scheduled handler at once and every minute, as `npm run dev` does (default false). */
  cron?: boolean;
}

export interface Stack {
  /** `http://127.0.0.1:<port>` of the worker. */
  baseUrl: string;
  /** `http://127.0.0.1:<port>` of the mock buyer. */
  mockOrigin: string;
  /** API key of the seeded source (`Authorization: Bearer <sourceKey>`). */
  sourceKey: string;
  sourceId: string;
  /** ADMIN_TOKEN the worker was started with. */
  adminToken: string;
  mock: MockBuyer;
  /** Process group id of wrangler dev (it leads its own group; stop() signals the group). */
  wranglerPgid: number;
  /** The fresh `--persist-to` directory holding this stack's D1 and Durable Object state. */
  persistDir: string;
  /** Every line wrangler/the worker printed so far (for assertions such as "no raw PII in logs"). */
  logs(): string[];
  /** Runs the cron handler once (wrangler dev fires no crons; `npm run dev` ticks every minute). */
  runScheduled(): Promise<number>;
  /** Kills wrangler's whole process group at once (SIGKILL, as a crash would); the state stays. */
  crash(): Promise<void>;
  /** Starts wrangler again on the same port and state (and the cron ticker, when on). */
  restart(): Promise<void>;
  /** Stops wrangler with its whole process tree, closes the mock buyer, deletes the state. */
  stop(): Promise<void>;
}

/** dotenv text; single quotes keep `#`, `$` and spaces literal. */
function envFileText(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([k, v]) => {
      if (/[\r\n']/.test(v)) throw new Error(`secret ${k} cannot hold a newline or a single quote`);
      return `${k}='${v}'\n`;
    })
    .join("");
}

function collectLines(child: ChildProcess, sink: string[], echo: boolean): void {
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    let buf = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        sink.push(line);
        if (echo) process.stderr.write(`[wrangler] ${line}\n`);
      }
    });
    stream.on("end", () => {
      if (buf) sink.push(buf);
    });
  }
}

/**
 * Starts the stack and resolves once `/health` answers 200. Migrations are applied and a source
 * seeded in the fresh persist dir before the worker starts, so the key works at once.
 * Always `await stack.stop()` (in afterAll), also when a test fails.
 */
export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const echo = opts.echo ?? process.env["E2E_VERBOSE"] === "1";
  const [port, inspectorPort] = [await freePort(), await freePort()];
  const baseUrl = `http://127.0.0.1:${port}`;
  const persistDir = await mkdtemp(join(tmpdir(), "leadwire-e2e-"));
  const mock = await startMockBuyer({ ...(opts.mock ?? {}), port: 0, leadwireOrigin: baseUrl });
  const lines: string[] = [];
  let child: ChildProcess | undefined;
  let ticker: { stop(): void } | undefined;

  const stopTicker = () => {
    ticker?.stop();
    ticker = undefined;
  };
  const stop = async (): Promise<void> => {
    stopTicker();
    if (child) await stopGroup(child, 5000);
    await mock.close();
    await rm(persistDir, { recursive: true, force: true });
  };

  try {
    await applyMigrations({ persistTo: persistDir, quiet: true });
    const source = createSourceSql({ id: "src_e2e", name: opts.sourceName ?? "E2E source" });
    const stored = await d1Execute(source.sql, { persistTo: persistDir });
    if (stored.length !== 1) throw new Error("seeding the e2e source failed");

    const adminToken = `e2e-admin-${randomBytes(12).toString("hex")}`;
    // Secrets go in an env file of our own: an explicit --env-file makes wrangler skip the
    // developer's .dev.vars (absent in CI anyway), and secrets are not echoed in its binding table.
    const secrets: Record<string, string> = { ...readVarsFile(join(ROOT, ".dev.vars.example")), ADMIN_TOKEN: adminToken };
    const vars: Record<string, string> = {
      MOCK_BUYER_ORIGIN: mock.origin,
      ...(opts.buyerConfigs ? { BUYER_CONFIGS: JSON.stringify(opts.buyerConfigs) } : {}),
    };
    // A secret outranks a var of the same name in wrangler, so an override lands where the name lives.
    for (const [k, v] of Object.entries(opts.vars ?? {})) (k in secrets ? secrets : vars)[k] = v;
    const envFile = join(persistDir, "e2e.env");
    await writeFile(envFile, envFileText(secrets), { mode: 0o600 });
    const args = [
      "dev",
      "--port",
      String(port),
      "--ip",
      "127.0.0.1",
      "--inspector-port",
      String(inspectorPort),
      "--persist-to",
      persistDir,
      "--env-file",
      envFile,
      "--show-interactive-dev-session=false",
      ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
    ];
    /** Spawns wrangler dev and waits for /health; with `cron`, the minute ticker starts too. */
    const launch = async (): Promise<ChildProcess> => {
      const proc = spawnGroup(WRANGLER, args, { cwd: ROOT, env: wranglerEnv(), stdio: ["ignore", "pipe", "pipe"] });
      child = proc;
      collectLines(proc, lines, echo);
      try {
        await waitForHttp(`${baseUrl}/health`, {
          timeoutMs: opts.startTimeoutMs ?? 90_000,
          isAlive: () => proc.exitCode === null && proc.signalCode === null,
        });
      } catch (err) {
        const tail = lines.slice(-40).join("\n");
        throw new Error(`${err instanceof Error ? err.message : String(err)}\n--- wrangler output (tail) ---\n${tail}`);
      }
      if (opts.cron) ticker = startCronTicker({ trigger: () => triggerScheduled(baseUrl) });
      return proc;
    };
    let proc = await launch();

    const stack: Stack = {
      baseUrl,
      mockOrigin: mock.origin,
      sourceKey: source.apiKey,
      sourceId: source.id,
      adminToken,
      mock,
      wranglerPgid: proc.pid ?? -1,
      persistDir,
      logs: () => [...lines],
      runScheduled: () => triggerScheduled(baseUrl),
      async crash() {
        stopTicker();
        signalGroup(proc, "SIGKILL");
        const pgid = proc.pid ?? -1;
        const deadline = Date.now() + 10_000;
        while (groupAlive(pgid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      },
      async restart() {
        proc = await launch();
        stack.wranglerPgid = proc.pid ?? -1;
      },
      stop,
    };
    return stack;
  } catch (err) {
    await stop();
    throw err;
  }
}
