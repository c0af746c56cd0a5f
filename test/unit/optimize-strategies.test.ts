import { describe, expect, it } from 'vitest';
import { MaskTable } from '../../src/optimize/protect.js';
import { removeArticles } from '../../src/optimize/strategies/articles.js';
import { removeLowInformationWords } from '../../src/optimize/strategies/low-information.js';
import { normalizeWhitespace } from '../../src/optimize/strategies/normalize-whitespace.js';
import { removePoliteness } from '../../src/optimize/strategies/politeness.js';
import { removeRedundancies } from '../../src/optimize/strategies/redundancies.js';
import { shortenSystemMessage } from '../../src/optimize/strategies/system-message.js';
import type { Strategy, StrategyContext } from '../../src/optimize/strategies/types.js';
import { condenseVerbosePhrases } from '../../src/optimize/strategies/verbose-phrases.js';
import { detectLanguage, resolveMarkers } from '../../src/optimize/text.js';
import { optimizePrompt } from '../../src/optimize/optimizer.js';

/** Runs one strategy the way the optimizer does: on masked text, then restores. */
function run(strategy: Strategy, text: string, overrides: Partial<StrategyContext> = {}): string {
  const masks = new MaskTable();
  const ctx: StrategyContext = { lang: detectLanguage(text), aggressive: false, role: 'prompt', ...overrides };
  return masks.restore(resolveMarkers(strategy(masks.mask(text), ctx)));
}

const normal = (prompt: string) => optimizePrompt({ prompt }).optimizedPrompt;
const aggressive = (prompt: string) => optimizePrompt({ prompt, aggressive: true }).optimizedPrompt;

describe('normalize_whitespace', () => {
  it('collapses runs of blanks, trailing spaces and extra blank lines', () => {
    expect(run(normalizeWhitespace, '  Fix   this bug.  \n\n\n\nThen   test it.  ')).toBe('Fix this bug.\n\nThen test it.');
  });

  it('keeps the indentation inside code blocks', () => {
    const code = '```py\ndef f():\n    return  1\n```';
    expect(run(normalizeWhitespace, `Fix   it:\n\n${code}`)).toBe(`Fix it:\n\n${code}`);
  });
});

describe('remove_politeness', () => {
  it("handles the guide's example", () => {
    expect(run(removePoliteness, 'Please help me. I would like you to write Python code for sorting data. Thanks in advance.'))
      .toBe('Write Python code for sorting data.');
  });

  it('fixes capitalisation after removing a leading phrase', () => {
    expect(run(removePoliteness, 'Please write a haiku.')).toBe('Write a haiku.');
    expect(run(removePoliteness, 'Hi there! Can you please summarize this thread?')).toBe('Summarize this thread.');
  });

  it('turns polite questions into direct commands', () => {
    expect(run(removePoliteness, 'Could you kindly explain how DNS works?')).toBe('Explain how DNS works.');
    expect(run(removePoliteness, 'I was wondering if you could review my essay.')).toBe('Review my essay.');
    expect(run(removePoliteness, 'I am moving to Go and I would like you to not use generics.')).toBe('I am moving to Go. Do not use generics.');
  });

  it('keeps a comma when "please" sat between two', () => {
    expect(run(removePoliteness, 'Also, please, add tests.')).toBe('Also, add tests.');
    expect(run(removePoliteness, 'Add tests, please.')).toBe('Add tests.');
  });

  it('removes greetings and closing thanks but not a thank-you note request', () => {
    expect(run(removePoliteness, 'Hello! Write a limerick. Thank you so much!')).toBe('Write a limerick.');
    expect(run(removePoliteness, 'Write a thank you note for my neighbour.')).toBe('Write a thank you note for my neighbour.');
  });

  it('works in Spanish, keeping the request\'s own verb as written', () => {
    expect(run(removePoliteness, 'Hola, ¿podrías explicarme cómo funciona Git? Gracias de antemano.')).toBe('Explicarme cómo funciona Git.');
    expect(run(removePoliteness, '¿Podrías corregir las faltas de ortografía de mi carta?')).toBe('Corregir las faltas de ortografía de mi carta.');
    // "¿Podría haber un error?" asks whether; it is no request (haber is not a request verb).
    expect(run(removePoliteness, '¿Podría haber un error en la consulta?')).toBe('¿Podría haber un error en la consulta?');
    expect(run(removePoliteness, 'Me gustaría que me ayudes a escribir un poema. ¡Muchas gracias!')).toBe('Escribir un poema.');
    expect(run(removePoliteness, 'Por favor, traduce este texto.')).toBe('Traduce este texto.');
    expect(run(removePoliteness, 'Hola Ana, ¿me puedes revisar este código y decirme si hay errores?')).toBe('Hola Ana, revisar este código y decirme si hay errores.');
    expect(run(removePoliteness, 'Sería genial si pudieras incluir un ejemplo.')).toBe('Incluir un ejemplo.');
  });

  it('rewrites a second verb of the same request too, and never a question about a third party', () => {
    expect(run(removePoliteness, 'Me gustaría que revisaras este código y me dijeras si se puede mejorar.')).toBe('Revisa este código y dime si se puede mejorar.');
    expect(run(removePoliteness, '¿Me propones un presupuesto y me explicas qué es un fondo indexado?')).toBe('Proponme un presupuesto y explícame qué es un fondo indexado.');
    expect(run(removePoliteness, '¿Me ayudas a redactar una respuesta?')).toBe('Redactar una respuesta.');
    expect(run(removePoliteness, 'Tengo un script en bash. ¿Me lo escribes?')).toBe('Tengo un script en bash. Escríbelo.');
    expect(run(removePoliteness, 'Based on this excerpt, could you tell me how many days I get?')).toBe('Based on this excerpt, tell me how many days I get?');
    expect(run(removePoliteness, 'El contrato no dice nada. ¿Puede hacerlo?')).toBe('El contrato no dice nada. ¿Puede hacerlo?');
  });

  it('turns "can you" + a verb of doing into a command, but not a question about the assistant', () => {
    expect(run(removePoliteness, 'Can you write the test cases for me?')).toBe('Write the test cases.');
    expect(run(removePoliteness, 'Can you access the internet?')).toBe('Can you access the internet?');
    expect(run(removePoliteness, 'Could you help me rewrite my summary?')).toBe('Rewrite my summary.');
  });

  it('makes "I would like to know" a command of its own sentence, never mid-sentence', () => {
    expect(run(removePoliteness, 'I run a shop and I would like to know whether I need a banner.')).toBe('I run a shop. Tell me whether I need a banner.');
    expect(run(removePoliteness, 'Tengo una tienda y me gustaría saber qué debo incluir.')).toBe('Tengo una tienda. Dime qué debo incluir.');
  });

  it('drops openers and asides that only frame the request, keeping real negations', () => {
    expect(run(removePoliteness, "So basically I need a script. I'm sorry if this is a silly question, but what is a closure?")).toBe('I need a script. What is a closure?');
    expect(run(removePoliteness, "I'm not really sure how to ask this, but why do pods restart?")).toBe('Why do pods restart?');
    expect(run(removePoliteness, "I'm not sure the pods restart.")).toBe("I'm not sure the pods restart.");
    expect(run(removePoliteness, 'Thanks, that worked! One more thing though: how do I skip hidden files?')).toBe('How do I skip hidden files?');
  });

  it('drops framing in normal mode too: openers, asides, feelings, "Here is the code:", a wish to produce text', () => {
    expect(run(removePoliteness, "So, I need to write a cover letter. I'm really nervous. Here is the code:\n\n```\nx = 1\n```")).toBe('Write a cover letter.\n\n```\nx = 1\n```');
    expect(run(removePoliteness, 'We would like to translate the app, if that makes sense.')).toBe('Translate the app.');
    expect(run(removePoliteness, 'Bueno, necesito redactar un correo y estoy un poco perdida.')).toBe('Redactar un correo.');
    expect(run(removePoliteness, 'Vale, quiero crear una tabla.')).toBe('Crear una tabla.');
    // What the requester does themselves, a wish to understand, a negated wish and corrections stay.
    for (const [text, lang] of [
      ['I need to cancel my order.', 'en'], ['I want to understand closures.', 'en'], ["I don't want to write tests.", 'en'],
      ['Quiero devolver una chaqueta.', 'es'], ['No quiero escribir pruebas.', 'es'], ['Actually, the budget is 12,000 euros.', 'en'],
      ['Also, add a column.', 'en'], ['I am not lost.', 'en'],
    ] as const) {
      expect(run(removePoliteness, text, { lang }), text).toBe(text);
    }
  });

  it('turns "I would be grateful if you could X" into the request X', () => {
    expect(run(removePoliteness, 'I would be really grateful if you could translate this sentence into French.')).toBe('Translate this sentence into French.');
    expect(run(removePoliteness, 'Te agradecería mucho si pudieras revisar el texto.')).toBe('Revisar el texto.');
    const text = 'I would be grateful for a short answer.';
    expect(run(removePoliteness, text)).toBe(text);
  });

  it('makes a Spanish present wish about the result a "que" + subjunctive command, never a negated or past-tense one', () => {
    expect(run(removePoliteness, 'Necesito que sea una traducción precisa. Quiero que responda solo a los mensajes.')).toBe('Que sea una traducción precisa. Que responda solo a los mensajes.');
    expect(run(removePoliteness, 'Quiero que me expliques la recursión.')).toBe('Explícame la recursión.');
    for (const text of ['No quiero que sea largo.', 'Me gustaría que sonara educado.', 'Quiero que no toque los archivos ocultos.']) expect(run(removePoliteness, text), text).toBe(text);
  });

  it('says what the result should be instead of wishing it ("I\'d like it to be X" -> "It should be X")', () => {
    expect(run(removePoliteness, "I'd like it to be 2 or 3 lines. We want the script to print each name.")).toBe('It should be 2 or 3 lines. The script should print each name.');
    expect(run(removePoliteness, 'I would also like to see how much of that is interest.')).toBe('Also show me how much of that is interest.');
    for (const text of ["I don't want it to be long.", 'I want it to not print anything.', 'I would like it.']) expect(run(removePoliteness, text), text).toBe(text);
  });

  it('makes "Ayúdame a X" the request X, like "Help me X", and compares on request', () => {
    expect(run(removePoliteness, 'Me gustaría que me ayudaras a escribir un mensaje.')).toBe('Escribir un mensaje.');
    expect(run(removePoliteness, 'Por favor, ayúdame a redactarlo.')).toBe('Redactarlo.');
    expect(run(removePoliteness, 'I want to compare two loans.', { lang: 'en' })).toBe('Compare two loans.');
    expect(run(removePoliteness, 'Quiero comparar dos opciones.', { lang: 'es' })).toBe('Comparar dos opciones.');
    for (const text of ['Ayúdame a ser más claro.', 'Mi hermano me ayudó a escribirlo.']) expect(run(removePoliteness, text), text).toBe(text);
  });

  it('drops "if you can," before a request, never a condition', () => {
    expect(run(removePoliteness, 'If you can, keep it under 200 words.')).toBe('Keep it under 200 words.');
    expect(run(removePoliteness, 'Si puedes, explícalo en menos de 150 palabras.')).toBe('Explícalo en menos de 150 palabras.');
    for (const text of ["If you can't, say so.", 'If you can read it, summarize it.', 'Si puedes verlo, dímelo.']) expect(run(removePoliteness, text), text).toBe(text);
  });

  it('unwraps system-message instructions in normal mode, keeping the role sentence', () => {
    const system = (text: string) => run(shortenSystemMessage, text, { role: 'system' });
    expect(system('You are a helpful assistant. Your main job is to help customers. You should always be polite. You should not give advice.'))
      .toBe('You are a helpful assistant. Help customers. Always be polite. Do not give advice.');
    expect(system('Eres el asistente de ModaNova. Tu trabajo es ayudar a los clientes.')).toBe('Eres el asistente de ModaNova. Ayudar a los clientes.');
  });

  it('never rewrites a negated wish ("no necesito que...")', () => {
    const prompt = 'Solo quiero la idea, no necesito que me expliques el código.';
    expect(run(removePoliteness, prompt)).toBe(prompt);
  });
});

describe('remove_redundancies', () => {
  it('drops a sentence that repeats an earlier one', () => {
    expect(run(removeRedundancies, 'Use UTC dates. Return JSON. Again, use UTC dates.')).toBe('Use UTC dates. Return JSON.');
  });

  it('drops a sentence that repeats a clause of an earlier one', () => {
    expect(run(removeRedundancies, 'Keep it under 100 words and use bullet points. Keep it under 100 words.'))
      .toBe('Keep it under 100 words and use bullet points.');
  });

  it('keeps short repeated sentences and different ones', () => {
    const prompt = 'Yes. No. Yes. Use tabs. Use spaces.';
    expect(run(removeRedundancies, prompt)).toBe(prompt);
  });

  it('drops a clause that restates an earlier clause of its sentence, never one that differs in a negation', () => {
    expect(run(removeRedundancies, 'Do not give investment advice under any circumstances, so please do not give investment advice. Be brief.'))
      .toBe('Do not give investment advice under any circumstances. Be brief.');
    expect(run(removeRedundancies, 'Nunca compartas los datos personales del cliente, así que por favor nunca compartas los datos personales; sé breve.'))
      .toBe('Nunca compartas los datos personales del cliente; sé breve.');
    for (const text of ['Do not delete the old files, and delete the old files.', 'Use the new API, but use the new API carefully.', 'Sort by date, and sort by name.']) {
      expect(run(removeRedundancies, text), text).toBe(text);
    }
  });
});

describe('condense_verbose_phrases', () => {
  it('shortens English phrases', () => {
    expect(run(condenseVerbosePhrases, 'In order to ship due to the fact that we are late, at this point in time we need a large number of testers in the event that it fails.'))
      .toBe('To ship because we are late, now we need many testers if it fails.');
  });

  it('shortens Spanish phrases', () => {
    expect(run(condenseVerbosePhrases, 'Lo hago con el fin de aprender, debido a que me gusta.')).toBe('Lo hago para aprender, porque me gusta.');
  });

  it('turns a request for a summary into "summarize" / "resume"', () => {
    expect(run(condenseVerbosePhrases, 'Write me a short summary of the notes.')).toBe('Summarize the notes.');
    expect(run(condenseVerbosePhrases, 'Hazme un resumen del acta y dame un resumen breve de las notas.')).toBe('Resume el acta y resume las notas.');
    const text = 'El resumen del acta está mal.';
    expect(run(condenseVerbosePhrases, text)).toBe(text);
  });

  it('asks "can I" instead of "is there any way to", only as the question itself', () => {
    expect(run(condenseVerbosePhrases, 'I moved. Is there any way to cancel early?')).toBe('I moved. Can I cancel early?');
    expect(run(condenseVerbosePhrases, 'Me mudo. ¿Hay alguna forma de cancelar antes?')).toBe('Me mudo. ¿Puedo cancelar antes?');
    const text = 'Tell me whether there is any way to cancel.';
    expect(run(condenseVerbosePhrases, text)).toBe(text);
  });

  it('reads an embedded question about a difference as the difference, never the question itself', () => {
    expect(run(condenseVerbosePhrases, 'Explain in simple terms what the difference is between LDL and HDL.')).toBe('Explain simply the difference between LDL and HDL.');
    expect(run(condenseVerbosePhrases, 'Explícame, de forma sencilla, qué diferencia hay entre un contrato y otro.')).toBe('Explícame, de forma sencilla, la diferencia entre un contrato y otro.');
    expect(run(condenseVerbosePhrases, 'Dime cuáles son las diferencias entre A y B.', { lang: 'es' })).toBe('Dime las diferencias entre A y B.');
    for (const text of ['¿Qué diferencia hay entre una lista y una tupla?', '¿Cuál es la diferencia entre A y B?', 'What is the difference between A and B?']) {
      expect(run(condenseVerbosePhrases, text), text).toBe(text);
    }
  });
});

describe('aggressive strategies', () => {
  it('remove definite articles (per language) and discourse fillers, never a word that carries meaning', () => {
    expect(run(removeArticles, 'The cat sat on the mat.', { aggressive: true })).toBe('Cat sat on mat.');
    expect(run(removeArticles, 'Escribe la función para el servidor.', { aggressive: true })).toBe('Escribe función para servidor.');
    expect(run(removeLowInformationWords, 'It is basically, honestly simple.', { aggressive: true })).toBe('It is simple.');
    expect(run(removeLowInformationWords, 'Es básicamente fácil, o sea, sencillo.', { aggressive: true })).toBe('Es fácil, sencillo.');
    // An article that means "one", a limiting word, a word of degree: all stay (issue 23 point 4).
    for (const [text, lang] of [
      ['I need the answer to be just a number.', 'en'], ['Explica la recursión en una frase.', 'es'], ['Answer with only one word.', 'en'],
      ['Responde únicamente con el código.', 'es'], ['Keep it very short: at most 3 lines.', 'en'], ['Hazlo muy breve, exactamente dos frases.', 'es'],
      ['Reply with exactly a single sentence.', 'en'], ['Solo quiero un ejemplo.', 'es'], ['Keep it really simple.', 'en'],
    ] as const) {
      const out = run(removeLowInformationWords, run(removeArticles, text, { aggressive: true, lang }), { aggressive: true, lang });
      for (const word of ['really simple', 'just a', 'una frase', 'only one', 'únicamente', 'very short', 'at most', 'muy breve', 'exactamente', 'exactly a single', 'Solo quiero un']) {
        if (text.includes(word)) expect(out, text).toContain(word);
      }
    }
  });

  it('telegraph the first person and keep object pronouns that look like articles', () => {
    const lowInfo = (text: string, lang: 'en' | 'es') => run(removeLowInformationWords, text, { aggressive: true, lang });
    expect(lowInfo('I need a bash script, and I want it to print each name.', 'en')).toBe('Need a bash script, and want it to print each name.');
    expect(lowInfo('I am 29 and I would like to start saving.', 'en')).toBe('I am 29 and want to start saving.');
    expect(lowInfo('I can do it, but I must not run it twice.', 'en')).toBe('I can do it, but I must not run it twice.');
    expect(lowInfo('Soy profesora y estoy un poco perdida. Estoy aprendiendo Python.', 'es')).toBe('Soy profesora. Aprendiendo Python.');
    // A wish to do something is the request; a wish to understand is not rewritten.
    expect(lowInfo('I want to create a line chart. I want to understand closures.', 'en')).toBe('Create a line chart. Want to understand closures.');
    expect(lowInfo('Necesito escribir un correo. Quiero entender la recursión.', 'es')).toBe('Escribir un correo. Quiero entender la recursión.');
    expect(lowInfo('Tell me whether it is covered. Tell me if it rains.', 'en')).toBe('Whether it is covered. Tell me if it rains.');
    expect(lowInfo("I've already tried reinstalling. I'm a nurse and I'm applying for a new role.", 'en')).toBe('Already tried reinstalling. A nurse and applying for a new role.');
    expect(lowInfo("I've never used it, and I'm 29 and I'm not working.", 'en')).toBe("I've never used it, and I'm 29 and I'm not working.");
    expect(lowInfo('Show me a minimal example and give me your opinion.', 'en')).toBe('Show a minimal example and give your opinion.');
    expect(lowInfo('Tengo una tabla clientes. Tengo que entregarlo hoy. Tengo 26 años.', 'es')).toBe('Una tabla clientes. Tengo que entregarlo hoy. Tengo 26 años.');
    const articles = (text: string) => run(removeArticles, text, { aggressive: true, lang: 'es' });
    expect(articles('Explícame la diferencia.')).toBe('Explícame diferencia.');
    expect(articles('¿Me las preparas? Ya la he visto. Lee la carta.')).toBe('¿Me las preparas? Ya la he visto. Lee carta.');
  });

  it('keep "a few" and words right after a negation', () => {
    expect(run(removeArticles, 'Give me a few ideas.', { aggressive: true })).toBe('Give me a few ideas.');
    expect(run(removeLowInformationWords, 'It is not really required.', { aggressive: true })).toBe('It is not really required.');
    expect(run(removeArticles, 'Devuelve un solo valor.', { aggressive: true })).toBe('Devuelve un solo valor.');
  });

  it('shorten the system message to its role', () => {
    expect(run(shortenSystemMessage, 'You are a helpful programming assistant', { aggressive: true, role: 'system' })).toBe('Programming assistant');
    expect(run(shortenSystemMessage, 'Eres un asistente útil de programación.', { aggressive: true, role: 'system', lang: 'es' })).toBe('Asistente de programación.');
    expect(run(shortenSystemMessage, 'You are a helpful assistant.', { aggressive: true, role: 'prompt' })).toBe('You are a helpful assistant.');
  });

  it('shorten the system message role in Spanish with a definite article, keeping what the role is', () => {
    expect(run(shortenSystemMessage, 'Eres el asistente virtual muy útil de ModaNova.', { aggressive: true, role: 'system', lang: 'es' })).toBe('Asistente virtual de ModaNova.');
    expect(run(shortenSystemMessage, 'Eres la persona que revisa.', { aggressive: true, role: 'system', lang: 'es' })).toBe('Eres la persona que revisa.');
  });

  it('keep the article that stands for a noun or a time in Spanish', () => {
    const articles = (text: string) => run(removeArticles, text, { aggressive: true, lang: 'es' });
    expect(articles('Separa los requisitos obligatorios de los que son deseables.')).toBe('Separa requisitos obligatorios de los que son deseables.');
    expect(articles('Marca en rojo las notas, y el de abajo también.')).toBe('Marca en rojo notas, y el de abajo también.');
    expect(articles('Escribe sobre el metro a las 8 de la mañana.')).toBe('Escribe sobre metro a las 8 de mañana.');
  });
});

describe('protections', () => {
  const verbose = 'Please could you kindly just really help';

  it('never touches fenced code blocks', () => {
    const code = '```js\n// Please, in order to be very clear: the a an\nconst   x = 1;  \n```';
    for (const optimize of [normal, aggressive]) expect(optimize(`Please fix this:\n\n${code}\n\nThanks!`)).toContain(code);
  });

  it('never touches inline code, URLs, e-mails and quotes', () => {
    const prompt = 'Please check `the_very_value` at https://example.com/a/the/very/page?x=1 and mail the.very@example.org about "the really quick fix" and «la muy buena idea».';
    for (const optimize of [normal, aggressive]) {
      const out = optimize(prompt);
      for (const kept of ['`the_very_value`', 'https://example.com/a/the/very/page?x=1', 'the.very@example.org', '"the really quick fix"', '«la muy buena idea»']) {
        expect(out).toContain(kept);
      }
    }
  });

  it('keeps numbers with units, names and identifiers', () => {
    const out = aggressive('Please make sure the cache is at most 3.5 GB, the timeout is 10ms, the price is $20 and the rate is 50%. Ask the team of Maria Lopez about parseConfig and user_id in settings.yaml.');
    for (const kept of ['at most 3.5 GB', '10ms', '$20', '50%', 'Maria Lopez', 'parseConfig', 'user_id', 'settings.yaml']) expect(out).toContain(kept);
  });

  it('keeps negations and constraints in both languages', () => {
    const english = 'Please do not use recursion, never log secrets, only return at least 2 and at most 5 items, without comments. You must not use the network.';
    for (const optimize of [normal, aggressive]) {
      const out = optimize(english);
      for (const kept of ['not use recursion', 'never log secrets', 'only return at least 2 and at most 5 items', 'without comments', 'must not use']) expect(out).toContain(kept);
    }
    const spanish = 'Por favor, la respuesta nunca debe superar 3 frases, sin ejemplos, solo en español y como máximo 1 tabla. No uses listas.';
    for (const optimize of [normal, aggressive]) {
      const out = optimize(spanish);
      for (const kept of ['nunca debe superar 3 frases', 'sin ejemplos', 'solo en español', 'como máximo 1 tabla', 'No uses listas']) expect(out).toContain(kept);
    }
  });

  it('keeps the material a request points at verbatim, however short, and phone numbers whole', () => {
    const material = 'Hi team, please call me back at +44 20 7946 0958 or write to ops@example.net. Thanks!';
    for (const optimize of [normal, aggressive]) {
      expect(optimize(`Could you please find the contact details in the message below?\n\n${material}`)).toContain(material);
      expect(optimize(`Could you please find the contact details in this message? ${material}`)).toContain(material);
      expect(optimize(`¿Podrías sacar los datos de contacto del siguiente mensaje, por favor?\n\nHola, por favor llamadme al +34 612 34 56 78.`))
        .toContain('Hola, por favor llamadme al +34 612 34 56 78.');
    }
    expect(aggressive('Please, really, I would like you to call the office at (555) 010-4477 today.')).toContain('(555) 010-4477');
  });

  it('sends a prompt as written when the rewrite would save fewer than 3 tokens', () => {
    for (const prompt of ['Add tests, please.', 'Shorter please.']) {
      for (const aggressiveMode of [false, true]) {
        const r = optimizePrompt({ prompt, aggressive: aggressiveMode });
        expect(r.optimizedPrompt).toBe(prompt);
        expect(r.stats.tokensSaved).toBe(0);
        expect(r.stats.strategiesApplied).toEqual([]);
      }
    }
  });

  it('does not change the meaning of "don\'t just copy"', () => {
    expect(aggressive("Don't just copy the code, explain it.")).toContain("Don't just copy");
  });

  it('leaves terse prompts unchanged in normal mode', () => {
    for (const prompt of ['Explain closures in JavaScript.', 'Write a SQL query for the top 5 customers.', 'Resume este texto en 3 frases.']) {
      expect(normal(prompt)).toBe(prompt);
    }
    expect(normal(verbose)).not.toBe(verbose);
  });
});
