// Daily budget alerts: when the cost recorded on a UTC day exceeds
// DAILY_BUDGET_USD, one e-mail goes to ALERT_EMAIL over SMTP_URL. Exactly once
// per day across instances: the alert row is inserted first (budget_alerts.day
// is unique, so only one instance's insert succeeds) and only that instance
// sends; the row then records whether delivery worked.
import { randomUUID } from 'node:crypto';
import type { Config } from '../config.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Logger } from '../logger.js';
import { sendMail } from '../mail.js';
import { isoDay, type AnalyticsQueries } from './queries.js';

export interface BudgetAlertRecord {
  id: string;
  /** UTC day, YYYY-MM-DD. */
  day: string;
  budgetUsd: number;
  costUsd: number;
  email: string | null;
  delivered: boolean;
  error: string | null;
  createdAt: Date;
}

export interface BudgetStatus {
  /** null when DAILY_BUDGET_USD is not set (alerts off). */
  dailyBudgetUsd: number | null;
  todayCostUsd: number;
  alerts: BudgetAlertRecord[];
}

type BudgetConfig = Pick<Config, 'dailyBudgetUsd' | 'alertEmail' | 'smtpUrl'>;

export class BudgetAlerts {
  private running: Promise<void> | null = null;
  private again = false;
  /** The day already alerted (by this instance or another): no more checks that day. */
  private alertedDay: string | null = null;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly queries: AnalyticsQueries,
    private readonly config: BudgetConfig,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  get enabled(): boolean {
    return (this.config.dailyBudgetUsd ?? 0) > 0;
  }

  /** Runs a check, one at a time; asked during a check, runs one more after it. */
  schedule(): void {
    if (!this.enabled) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.check()
      .then(
        () => {},
        (e: unknown) => this.logger.warn('budget check failed', { error: (e as Error).message }),
      )
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.schedule();
        }
      });
  }

  /** Sends today's alert when today's cost exceeds the budget and nobody has yet. Returns the alert it created. */
  async check(): Promise<BudgetAlertRecord | null> {
    const budget = this.config.dailyBudgetUsd ?? 0;
    if (budget <= 0) return null;
    const now = this.now();
    const day = isoDay(now);
    if (this.alertedDay === day) return null;
    const cost = await this.queries.costOnDay(now);
    if (cost <= budget) return null;

    const id = randomUUID();
    const email = this.config.alertEmail ?? null;
    const inserted = await this.prisma.$queryRaw<{ id: string }[]>`
      INSERT INTO budget_alerts (id, day, budget_usd, cost_usd, email)
      VALUES (${id}::uuid, ${day}::date, ${budget}, ${cost}, ${email})
      ON CONFLICT (day) DO NOTHING
      RETURNING id`;
    this.alertedDay = day;
    if (!inserted.length) return null; // another instance alerted first

    let error: string | null = null;
    if (!this.config.alertEmail || !this.config.smtpUrl) {
      error = 'not sent: ALERT_EMAIL and SMTP_URL must both be set';
    } else {
      try {
        await this.send(this.config.smtpUrl, this.config.alertEmail, day, budget, cost);
      } catch (e) {
        error = `not sent: ${(e as Error).message}`.slice(0, 500);
      }
    }
    if (error) this.logger.warn('daily budget exceeded; alert e-mail not delivered', { day, budgetUsd: budget, costUsd: cost, error });
    else this.logger.info('daily budget exceeded; alert e-mail sent', { day, budgetUsd: budget, costUsd: cost, email });
    return toRecord(await this.prisma.budgetAlert.update({ where: { id }, data: { delivered: !error, error } }));
  }

  async status(limit = 30): Promise<BudgetStatus> {
    const [todayCostUsd, rows] = await Promise.all([
      this.queries.costOnDay(this.now()),
      this.prisma.budgetAlert.findMany({ orderBy: { day: 'desc' }, take: limit }),
    ]);
    return {
      dailyBudgetUsd: this.enabled ? this.config.dailyBudgetUsd! : null,
      todayCostUsd: Math.round(todayCostUsd * 1e8) / 1e8,
      alerts: rows.map(toRecord),
    };
  }

  /** Resolves once no check is running or queued. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async close(): Promise<void> {
    this.again = false;
    await this.idle();
  }

  private async send(smtpUrl: string, to: string, day: string, budget: number, cost: number): Promise<void> {
    await sendMail(smtpUrl, {
      to,
      subject: `[AI Gateway] Daily budget exceeded on ${day}: $${cost.toFixed(4)} of $${budget.toFixed(2)}`,
      text: [
        `The cost recorded on ${day} (UTC) has exceeded the daily budget.`,
        '',
        `Budget (DAILY_BUDGET_USD): $${budget.toFixed(2)}`,
        `Cost so far:              $${cost.toFixed(4)}`,
        '',
        'This is the only alert for this day. See GET /api/ai/analytics/dashboard for details.',
      ].join('\n'),
    });
  }
}

function toRecord(r: { id: string; day: Date; budgetUsd: number; costUsd: number; email: string | null; delivered: boolean; error: string | null; createdAt: Date }): BudgetAlertRecord {
  return { id: r.id, day: isoDay(r.day), budgetUsd: r.budgetUsd, costUsd: r.costUsd, email: r.email, delivered: r.delivered, error: r.error, createdAt: r.createdAt };
}
