/** Sends one plain-text e-mail through the SMTP server named by an smtp:// or smtps:// URL. */
export async function sendMail(smtpUrl: string, message: { to: string; subject: string; text: string }): Promise<void> {
  const url = new URL(smtpUrl);
  // Imported for the first alert: most gateways never send one.
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport({
    host: url.hostname,
    port: url.port ? Number(url.port) : url.protocol === 'smtps:' ? 465 : 587,
    secure: url.protocol === 'smtps:',
    auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  try {
    await transport.sendMail({ from: `AI Gateway <ai-gateway@${message.to.split('@')[1]}>`, ...message });
  } finally {
    transport.close();
  }
}
