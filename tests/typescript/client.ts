// A frontend's client of the service, as a team would write it: the types generated from
// openapi/openapi.json by openapi-typescript, the calls made with openapi-fetch. `tsc` checks
// it against the document; run with node it calls the live server and prints what it got.
import createClient from "openapi-fetch";
import type { components, paths } from "./generated/schema.js";

type Schemas = components["schemas"];

const baseUrl = process.env.TAC_BASE_URL ?? "http://127.0.0.1:8000";
const email = process.env.TAC_EMAIL ?? "";
const password = process.env.TAC_PASSWORD ?? "";

const answered: string[] = [];

function ok<T>(operation: string, data: T | undefined, error: unknown, status: number): T {
  if (data === undefined) {
    throw new Error(`${operation} answered ${status}: ${JSON.stringify(error)}`);
  }
  answered.push(operation);
  return data;
}

// The document's own wording of each alert reason, checked for every code the union holds:
// a reason code added to the service and not here fails `tsc` (the `never` below).
function describe(reason: Schemas["AlertReason"]): string {
  switch (reason.code) {
    case "milestone_overdue":
      return `${reason.milestone}: ${reason.days_overdue} days overdue (due ${reason.due_on})`;
    case "past_end_date":
      return `${reason.days_past_end} days past ${reason.end_on}`;
    case "spi_below_red":
    case "spi_below_yellow":
      return `SPI ${reason.spi} below ${reason.threshold}`;
    case "milestone_due_soon":
      return `${reason.milestone} due in ${reason.days_to_due} days`;
    case "report_stale":
      return `${reason.days_since_report} days since ${reason.last_report_on ?? "the start"}`;
    case "end_near_incomplete":
      return `${reason.actual}% done, ${reason.days_to_end} days to ${reason.end_on}`;
    default: {
      const unknown: never = reason;
      return String(unknown);
    }
  }
}

async function main(): Promise<void> {
  const anonymous = createClient<paths>({ baseUrl });
  const form: Schemas["TokenRequest"] = { username: email, password };
  const token = await anonymous.POST("/api/v1/auth/token", {
    body: form,
    bodySerializer: (body) => new URLSearchParams(body as Record<string, string>),
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
  });
  const { access_token } = ok("createToken", token.data, token.error, token.response.status);

  const client = createClient<paths>({
    baseUrl,
    headers: { Authorization: `Bearer ${access_token}`, "Accept-Language": "zh-CN" },
  });

  const me = await client.GET("/api/v1/me");
  const myself: Schemas["MeRead"] = ok("getMe", me.data, me.error, me.response.status);

  const rankings = await client.GET("/api/v1/rankings", {
    params: { query: { limit: 5, include_total: true } },
  });
  const runs = ok("listRankings", rankings.data, rankings.error, rankings.response.status);
  const firstRun: Schemas["RankingRunRead"] | undefined = runs.items[0];

  const policies = await client.GET("/api/v1/policies", { params: { query: { limit: 5 } } });
  const policyPage = ok("listPolicies", policies.data, policies.error, policies.response.status);
  const titles: string[] = policyPage.items.map((policy) => policy.title);

  const csv = "uscc,name\n" + (process.env.TAC_USCC ?? "") + ",前端导入有限公司\n";
  const upload = await client.POST("/api/v1/imports/enterprises", {
    params: { query: { mode: "all_or_nothing" } },
    body: { file: csv },
    // The document's `format: binary` is a string to openapi-typescript: the form is built
    // here, as a browser would from a file input.
    bodySerializer: () => {
      const data = new FormData();
      data.append("file", new Blob([csv], { type: "text/csv" }), "enterprises.csv");
      return data;
    },
  });
  let job = ok("importEnterprises", upload.data, upload.error, upload.response.status);
  for (let waited = 0; job.status === "pending" || job.status === "running"; waited += 1) {
    if (waited > 300) throw new Error(`the import did not finish: ${JSON.stringify(job)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const read = await client.GET("/api/v1/imports/{job_id}", {
      params: { path: { job_id: job.id } },
    });
    job = ok("getImportJob", read.data, read.error, read.response.status);
  }

  const board = await client.GET("/api/v1/alerts/board");
  const entries = ok("getAlertBoard", board.data, board.error, board.response.status);
  const described = entries.flagged.flatMap((entry) =>
    entry.first_reason ? [describe(entry.first_reason)] : [],
  );

  const enums = await client.GET("/api/v1/meta/enums", {
    params: { query: { name: "AlertReasonCode" } },
  });
  const labels = ok("listEnums", enums.data, enums.error, enums.response.status);
  const reasonLabels = Object.fromEntries(
    (labels.items[0]?.values ?? []).map((value) => [value.value, value.labels["zh-CN"]]),
  );

  const missing = await client.GET("/api/v1/enterprises/{enterprise_id}", {
    params: { path: { enterprise_id: "00000000-0000-0000-0000-000000000000" } },
  });
  const problem: Schemas["Problem"] | undefined = missing.error;

  console.log(
    JSON.stringify({
      answered,
      role: myself.role,
      rankingRuns: runs.items.length,
      firstRunPool: firstRun?.pool ?? null,
      policyTitles: titles,
      importStatus: job.status,
      importStored: job.stored,
      boardEntries: entries.flagged.length,
      described,
      // The service's own sentence, in the language asked for (zh-CN).
      sentences: entries.flagged.map((entry) => entry.first_reason?.description ?? null),
      reasonLabels,
      problem: problem ? { status: missing.response.status, code: problem.code, title: problem.title } : null,
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
