import { DurableObject } from "cloudflare:workers";

export class BuyerGate extends DurableObject<Env> {
  async health(): Promise<string> {
    return "ok";
  }
}

export default {
  async fetch(req: Request, env: Env): Promise<Response> {
    const r = await env.DB.prepare("select 1 as x").first<{ x: number }>();
    return Response.json({ ok: true, x: r?.x });
  },
} satisfies ExportedHandler<Env>;
