// Similarity that respects meaning (issue 23 point 1): pairs that differ in a negation, a number,
// a unit, a date, a name or identifier, code, a URL, quoted text, a target language, a limiting
// word or a polarity word never match, whatever their score, and say why; paraphrases still do.
import { describe, expect, it } from 'vitest';
import { groupPrompts } from '../../src/optimize/batch.js';
import { blockedBy, guardKeys, type GuardName } from '../../src/optimize/meaning-guards.js';
import { createLocalSimilarity, similarityMatches } from '../../src/optimize/similarity.js';

/** [prompt, prompt, a guard that must block the pair] */
const MUST_NOT_MATCH: [string, string, GuardName][] = [
  // negation
  ['Delete the old log files', 'Do not delete the old log files', 'negation'],
  ['Use recursion in the solution', "Don't use recursion in the solution", 'negation'],
  ['Include the tests in the pull request', 'Include the tests in the pull request without the fixtures', 'negation'],
  ['The function should return null for empty input', 'The function should never return null for empty input', 'negation'],
  ['Reply to the customer with a discount code', 'Reply to the customer with no discount code', 'negation'],
  ['Borra los archivos temporales', 'No borres los archivos temporales', 'negation'],
  ['Responde con ejemplos de código', 'Responde sin ejemplos de código', 'negation'],
  ['Menciona el precio en la respuesta', 'Nunca menciones el precio en la respuesta', 'negation'],
  ['El cliente quiere factura', 'El cliente no quiere factura', 'negation'],
  // numbers, amounts, units, dates
  ['Set the timeout to 30 seconds', 'Set the timeout to 30 milliseconds', 'unit'],
  ['Set the timeout to 30 seconds', 'Set the timeout to 60 seconds', 'number'],
  ['Summarize the report in 3 bullet points', 'Summarize the report in 5 bullet points', 'number'],
  ['Write a summary of 100 words', 'Write a summary of 100 characters', 'unit'],
  ['Transfer $500 to the savings account', 'Transfer €500 to the savings account', 'unit'],
  ['Transfer $500 to the savings account', 'Transfer $5,000 to the savings account', 'number'],
  ['Schedule the meeting for Monday at 10:00', 'Schedule the meeting for Tuesday at 10:00', 'date'],
  ['Book the flight for March 3', 'Book the flight for March 13', 'number'],
  ['Compress the image to 2 MB', 'Compress the image to 2 GB', 'unit'],
  ['Give me two examples of recursion', 'Give me three examples of recursion', 'number'],
  ['Explica la recursión en una frase', 'Explica la recursión en dos frases', 'number'],
  ['Reserva la sala para el jueves', 'Reserva la sala para el viernes', 'date'],
  ['El descuento es del 10%', 'El descuento es del 15%', 'number'],
  ['Programa la copia de seguridad a las 3:00', 'Programa la copia de seguridad a las 4:00', 'number'],
  ['Convierte 5 kilómetros a millas', 'Convierte 5 metros a millas', 'unit'],
  ['Calcula la cuota de una hipoteca a 25 años', 'Calcula la cuota de una hipoteca a 30 años', 'number'],
  // names, identifiers, code, URLs, quoted text
  ['Write a cover letter for a job at Google', 'Write a cover letter for a job at Amazon', 'entity'],
  ['Email the report to Maria before noon', 'Email the report to Peter before noon', 'entity'],
  ['Rename the variable `userId` to `accountId`', 'Rename the variable `userId` to `customerId`', 'quoted'],
  ['Explain what user_count does in this module', 'Explain what order_count does in this module', 'entity'],
  ['Why does getUserById throw here?', 'Why does getOrderById throw here?', 'entity'],
  ['Summarize https://example.com/report-2023', 'Summarize https://example.com/report-2024', 'quoted'],
  ['Translate "good morning" to Spanish', 'Translate "good night" to Spanish', 'quoted'],
  ['Fix the bug in `parse_date()`', 'Fix the bug in `parse_time()`', 'quoted'],
  ['Send the invoice to ana@example.com', 'Send the invoice to luis@example.com', 'quoted'],
  ['Check the logs in /var/log/nginx', 'Check the logs in /var/log/postgresql', 'quoted'],
  ['Escribe una carta para Lucía', 'Escribe una carta para Marta', 'entity'],
  ['Resume el informe de Iberdrola', 'Resume el informe de Repsol', 'entity'],
  ['Traduce "buenos días" al inglés', 'Traduce "buenas noches" al inglés', 'quoted'],
  ['Explica qué hace la función calcular_total', 'Explica qué hace la función calcular_media', 'entity'],
  // target language (natural and programming)
  ['Translate this to French: see you tomorrow', 'Translate this to German: see you tomorrow', 'language'],
  ['Write a function that reverses a string in Python', 'Write a function that reverses a string in JavaScript', 'language'],
  ['Answer in English, please', 'Answer in Spanish, please', 'language'],
  ['Traduce este texto al francés', 'Traduce este texto al italiano', 'language'],
  ['Escribe la consulta en SQL', 'Escribe la consulta en Python', 'language'],
  ['Responde en catalán', 'Responde en gallego', 'language'],
  // limiting words
  ['I need the answer to be just a number', 'I need the answer to be a number', 'limiter'],
  ['List only the failed tests', 'List the failed tests', 'limiter'],
  ['Use at most 3 retries', 'Use at least 3 retries', 'limiter'],
  ['Return all the rows except the header', 'Return all the rows', 'limiter'],
  ['Responde únicamente con el código', 'Responde con el código', 'limiter'],
  ['Dame como máximo 5 ideas', 'Dame como mínimo 5 ideas', 'limiter'],
  // polarity
  ['Increase the font size of the header', 'Decrease the font size of the header', 'polarity'],
  ['Show the rows created before 2020', 'Show the rows created after 2020', 'polarity'],
  ['Sort the results in ascending order', 'Sort the results in descending order', 'polarity'],
  ['Make the email more formal', 'Make the email less formal', 'polarity'],
  ['Enable two-factor authentication for admins', 'Disable two-factor authentication for admins', 'polarity'],
  ['Keep the old backups', 'Delete the old backups', 'polarity'],
  ['Encrypt the file with AES', 'Decrypt the file with AES', 'polarity'],
  ['Export the contacts to CSV', 'Import the contacts to CSV', 'polarity'],
  ['Aumenta el límite de memoria del contenedor', 'Reduce el límite de memoria del contenedor', 'polarity'],
  ['Muestra los pedidos de más de 100 €', 'Muestra los pedidos de menos de 100 €', 'polarity'],
  ['Ordena la lista de mayor a menor', 'Ordena la lista de menor a mayor', 'polarity'],
  ['Activa las notificaciones por correo', 'Desactiva las notificaciones por correo', 'polarity'],
  ['Haz el texto más largo', 'Haz el texto más corto', 'polarity'],
  ['Devuelve el primer elemento de la lista', 'Devuelve el último elemento de la lista', 'polarity'],
];

/** Paraphrases a batch really holds: the same request worded a little differently. */
const PARAPHRASES: [string, string][] = [
  ['Write Python code', 'Generate Python code'],
  ['How do I reverse a list in Python?', 'How can I reverse a Python list?'],
  ['Summarize this article in 3 bullet points', 'Summarise this article in three bullet points'],
  ['Please explain what a REST API is', 'Explain what a REST API is'],
  ['What is the capital of Australia?', 'what is the capital of australia'],
  ['Explain recursion with an example', 'Describe recursion with an example'],
  ['Can you write a function that sorts a list of numbers?', 'Write a function that sorts a list of numbers'],
  ['Translate "thank you" to French', 'Please translate "thank you" to French'],
  ['Fix the bug in this JavaScript function', 'Debug this JavaScript function'],
  ['Give me 5 ideas for a birthday party', 'Give me five ideas for a birthday party'],
  ['Create a SQL query that counts the orders per customer', 'Write a SQL query that counts orders per customer'],
  ['Explain the difference between TCP and UDP', 'What is the difference between TCP and UDP?'],
  ['Delete the temporary files', 'Remove the temporary files'],
  ['Show me the error messages', 'Display the error messages'],
  ['Summarize the meeting notes', 'Give me a summary of the meeting notes'],
  ['Write a haiku about autumn', 'Could you write a haiku about autumn?'],
  ['List three benefits of unit tests', 'List 3 benefits of unit tests'],
  ['Hi! Explain what Docker is.', 'Explain what Docker is, thanks'],
  ['Write a cover letter for a nurse position', 'Write a cover letter for a nurse position.'],
  ['Translate this sentence to German: I like trains', 'Translate this sentence into German: I like trains'],
  ['Escribe una función en Python que ordene una lista', 'Genera una función en Python que ordene una lista'],
  ['Explica qué es una API REST', '¿Puedes explicar qué es una API REST?'],
  ['Resume este artículo en 3 puntos', 'Resume este artículo en tres puntos'],
  ['Traduce "gracias" al inglés', 'Por favor, traduce "gracias" al inglés'],
  ['¿Cuál es la capital de Australia?', 'cual es la capital de australia'],
  ['Corrige el error de esta función de JavaScript', 'Arregla el error de esta función de JavaScript'],
  ['Dame cinco ideas para una fiesta de cumpleaños', 'Dame 5 ideas para una fiesta de cumpleaños'],
  ['Explica la recursividad con un ejemplo', 'Describe la recursividad con un ejemplo'],
  ['Borra los archivos temporales', 'Elimina los archivos temporales'],
  ['Escribe un haiku sobre el otoño', 'Hola, escribe un haiku sobre el otoño, gracias'],
];

const keys = guardKeys;
const similarity = createLocalSimilarity();

describe('meaning guards', () => {
  it(`keep ${MUST_NOT_MATCH.length} pairs that differ in meaning apart, and say which guard did`, async () => {
    expect(MUST_NOT_MATCH.length).toBeGreaterThanOrEqual(60);
    expect(MUST_NOT_MATCH.filter(([a]) => /[áéíóúñ¿¡]|\b(?:el|la|los|las|una?)\b/i.test(a)).length).toBeGreaterThanOrEqual(20);
    for (const [a, b, guard] of MUST_NOT_MATCH) {
      expect(blockedBy(keys(a), keys(b)), `${a} | ${b}`).toContain(guard);
      // At any threshold the pair is not a match: score 0, and why.
      const [pair] = await similarityMatches([a, b], 0.01);
      expect(pair, `${a} | ${b}`).toMatchObject({ prompt1Index: 0, prompt2Index: 1, isMatch: false, similarityScore: 0 });
      expect(pair!.blockedBy).toContain(guard);
    }
  });

  it(`let ${PARAPHRASES.length} paraphrases score high (>= 0.8) and match`, async () => {
    for (const [a, b] of PARAPHRASES) {
      expect(blockedBy(keys(a), keys(b)), `${a} | ${b}`).toEqual([]);
      expect(similarity.similarity(a, b), `${a} | ${b}`).toBeGreaterThanOrEqual(0.8);
      expect((await similarityMatches([a, b], 0.8)).map((m) => m.isMatch), `${a} | ${b}`).toEqual([true]);
    }
  });

  it('never group a blocked pair, even through a chain, and report it', async () => {
    // 1 matches 0 and 2 matches 1, but 2 differs from 0 in a negation: 2 must not get 0's answer.
    const prompts = ['Delete the old log files now', 'Delete the old log files now please', 'Do not delete the old log files now'];
    const grouping = await groupPrompts(prompts, { detectSimilar: true, threshold: 0.5 });
    expect(Object.values(grouping.groupedPrompts)).toEqual([[0, 1], [2]]);
    expect(grouping.blockedPairs).toEqual([{ i: 0, j: 2, blockedBy: ['negation'] }, { i: 1, j: 2, blockedBy: ['negation'] }]);
    for (const [a, b] of MUST_NOT_MATCH) {
      const g = await groupPrompts([a, b], { detectSimilar: true, threshold: 0.01 });
      expect(g.stats.groupedPrompts, `${a} | ${b}`).toBe(2);
    }
  });
});
