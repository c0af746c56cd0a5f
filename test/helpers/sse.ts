// Reads a text/event-stream response into its events (data parsed as JSON).
export interface SseEvent {
  event: string;
  data: any;
}

export async function readSse(res: Response, onEvent?: (e: SseEvent, all: SseEvent[]) => boolean | void): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  while (true) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let i: number;
    while ((i = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, i);
      buffer = buffer.slice(i + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
      }
      if (!data.length && event === 'message') continue;
      const text = data.join('\n');
      const e = { event, data: text ? JSON.parse(text) : null };
      events.push(e);
      if (onEvent?.(e, events) === true) {
        await reader.cancel();
        return events;
      }
    }
  }
  return events;
}
