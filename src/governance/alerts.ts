// Budget alerts per key and per team: when a key's or team's spend reaches 80% and then
// 100% of one of its budgets (UTC day, UTC month, total), one alert per period and
// threshold, by e-mail (the key's or team's alert_email, else ALERT_EMAIL, over SMTP_URL, as
// the daily alert does) and to its alert_webhook_url (a JSON POST). Exactly once across
// instances: the governance_alerts row is inserted first (unique per scope, id, period and
// threshold) and only the instance whose insert succeeded sends; the row records delivery.
//
// Webhooks: http(s) only, no credentials in the URL, a bounded time (ALERT_WEBHOOK_TIMEOUT_MS),
// no redirects followed, and never to a loopback, private or link-local address (checked on
// the URL when it is set and on the resolved address when sending) unless
// ALERT_WEBHOOK_ALLOW_PRIVATE=true, so a key's owner cannot aim the gateway at its own network.
import { randomUUID } from 'node:crypto';
import { lookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import type { Config } from '../config.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Logger } from '../logger.js';
import { sendMail } from '../mail.js';
import { isPrivateAddress, isPrivateHost, type AlertTargets, type Limits } from './policy.js';

export const ALERT_THRESHOLDS = [80, 100] as const;

export interface GovernanceAlertPayload {
  scope: 'key' | 'team';
  scopeId: string;
  period: string;
  threshold: number;
  budgetUsd: number;
  spendUsd: number;
}

type AlertConfig = Pick<Config, 'alertEmail' | 'smtpUrl' | 'alertWebhookAllowPrivate' | 'alertWebhookTimeoutMs'>;

export class GovernanceAlerts {
  /** Alerts this instance has raised or seen raised (no database round trip for them again). */
  private readonly done = new Set<string>();
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly config: AlertConfig,
    private readonly logger: Logger,
  ) {}

  /** Called after a call is settled with the budget counters' new values (USD; NaN: not counted). */
  check(scope: 'key' | 'team', scopeId: string, limits: Limits & Partial<AlertTargets>, spend: { day: number; month: number; total: number }, now = new Date()) {
    const day = now.toISOString().slice(0, 10);
    const periods: [string, number | null, number][] = [
      [`day:${day}`, limits.maxBudgetUsdPerDay, spend.day],
      [`month:${day.slice(0, 7)}`, limits.maxBudgetUsdPerMonth, spend.month],
      ['total', limits.maxBudgetUsdTotal, spend.total],
    ];
    for (const [period, budget, spent] of periods) {
      if (budget === null || budget <= 0 || !Number.isFinite(spent)) continue;
      // The highest threshold reached: reaching 100% at once does not also send the 80% alert.
      const threshold = [...ALERT_THRESHOLDS].reverse().find((t) => spent >= (budget * t) / 100);
      if (threshold === undefined) continue;
      const key = `${scope}:${scopeId}:${period}:${threshold}`;
      if (this.done.has(key)) continue;
      this.done.add(key);
      if (this.done.size > 100_000) this.done.clear();
      const sending = this.raise({ scope, scopeId, period, threshold, budgetUsd: budget, spendUsd: spent }, limits)
        .catch((e: unknown) => this.logger.warn('budget alert failed', { scope, error: (e as Error).message }))
        .finally(() => this.pending.delete(sending));
      this.pending.add(sending);
    }
  }

  /** Resolves once every alert under way has been sent or has failed (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  private async raise(a: GovernanceAlertPayload, targets: Partial<AlertTargets>): Promise<void> {
    const id = randomUUID();
    const email = targets.alertEmail ?? this.config.alertEmail ?? null;
    const webhook = targets.alertWebhookUrl ?? null;
    const inserted = await this.prisma.$queryRaw<{ id: string }[]>`
      INSERT INTO governance_alerts (id, scope, scope_id, period, threshold, budget_usd, spend_usd, email, webhook_url)
      VALUES (${id}::uuid, ${a.scope}, ${a.scopeId}::uuid, ${a.period}, ${a.threshold}, ${a.budgetUsd}, ${a.spendUsd}, ${email}, ${webhook})
      ON CONFLICT (scope, scope_id, period, threshold) DO NOTHING
      RETURNING id`;
    if (!inserted.length) return; // another instance raised it
    const errors: string[] = [];
    if (email && this.config.smtpUrl) await this.mailAlert(this.config.smtpUrl, email, a).catch((e: unknown) => errors.push(`e-mail: ${(e as Error).message}`));
    else if (!webhook) errors.push('not sent: no alert_email (or ALERT_EMAIL with SMTP_URL) and no alert_webhook_url');
    if (webhook) await this.postWebhook(webhook, a).catch((e: unknown) => errors.push(`webhook: ${(e as Error).message}`));
    const error = errors.length ? errors.join('; ').slice(0, 500) : null;
    this.logger[error ? 'warn' : 'info'](`${a.scope} budget ${a.threshold}% reached`, { scope: a.scope, id: a.scopeId, period: a.period, budgetUsd: a.budgetUsd, spendUsd: a.spendUsd, ...(error ? { error } : {}) });
    await this.prisma.governanceAlert.update({ where: { id }, data: { delivered: !error, error } });
  }

  private async mailAlert(smtpUrl: string, to: string, a: GovernanceAlertPayload): Promise<void> {
    await sendMail(smtpUrl, {
      to,
      subject: `[AI Gateway] ${a.scope === 'key' ? 'API key' : 'Team'} budget ${a.threshold}% used (${a.period})`,
      text: [
        `The ${a.scope === 'key' ? 'API key' : 'team'} ${a.scopeId} has used ${a.threshold}% or more of its ${a.period} budget.`,
        '',
        `Budget: $${a.budgetUsd.toFixed(4)}`,
        `Spent:  $${a.spendUsd.toFixed(6)}`,
        '',
        a.threshold >= 100 ? 'Further calls that do not fit are refused with 429 BUDGET_EXCEEDED.' : 'Calls are refused once the budget is spent.',
      ].join('\n'),
    });
  }

  private async postWebhook(target: string, a: GovernanceAlertPayload): Promise<void> {
    const url = new URL(target);
    if (!this.config.alertWebhookAllowPrivate && isPrivateHost(url.hostname)) throw new Error('refused: the URL names a loopback, private or link-local address');
    // A name is checked on the address the connection is made to, so that it cannot resolve
    // to a public address when checked and to an internal one when connected (DNS rebinding).
    // Imported for the first alert: most gateways never send one.
    const { Agent, request } = await import('undici');
    const agent = new Agent({ connect: this.config.alertWebhookAllowPrivate ? {} : { lookup: publicOnlyLookup } });
    try {
      const res = await request(url, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': 'application/json', 'user-agent': 'ai-gateway-budget-alert' },
        body: JSON.stringify({
          type: 'budget_alert', scope: a.scope, id: a.scopeId, period: a.period, threshold_percent: a.threshold,
          budget_usd: a.budgetUsd, spend_usd: a.spendUsd, sent_at: new Date().toISOString(),
        }),
        signal: AbortSignal.timeout(this.config.alertWebhookTimeoutMs),
      });
      // The answer's body is never read (whatever its size): only its status counts. Destroying
      // an unread body makes it emit an abort error, which is expected here.
      res.body.on('error', () => {});
      res.body.destroy();
      if (res.statusCode < 200 || res.statusCode >= 300) throw new Error(`answered HTTP ${res.statusCode}`);
    } finally {
      await agent.destroy().catch(() => {});
    }
  }
}

/** dns.lookup that fails for a name resolving to any loopback, private or link-local address. */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  lookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
    if (err) return callback(err, '', 0);
    if (addresses.length === 0 || addresses.some((r) => isPrivateAddress(r.address))) {
      return callback(Object.assign(new Error(`refused: ${hostname} resolves to a loopback, private or link-local address`), { code: 'EPRIVATE' }), '', 0);
    }
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    callback(null, addresses[0]!.address, addresses[0]!.family);
  });
};
