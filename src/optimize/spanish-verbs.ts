/**
 * Spanish verbs that polite requests are commonly built on, so "¿Podrías explicarme X?" and
 * "Me gustaría que me expliques X" can become the direct command "Explícame X".
 * Columns: infinitive, tú present subjunctive, tú imperative, imperative with the written accent
 * it needs once a pronoun is attached ("explica" + "me" -> "explícame").
 */
const VERBS: ReadonlyArray<readonly [string, string, string, string]> = [
  ['explicar', 'expliques', 'explica', 'explíca'],
  ['escribir', 'escribas', 'escribe', 'escríbe'],
  ['revisar', 'revises', 'revisa', 'revísa'],
  ['generar', 'generes', 'genera', 'genéra'],
  ['crear', 'crees', 'crea', 'créa'],
  ['ayudar', 'ayudes', 'ayuda', 'ayúda'],
  ['decir', 'digas', 'di', 'di'],
  ['dar', 'des', 'da', 'da'],
  ['hacer', 'hagas', 'haz', 'haz'],
  ['poner', 'pongas', 'pon', 'pon'],
  ['traducir', 'traduzcas', 'traduce', 'tradúce'],
  ['corregir', 'corrijas', 'corrige', 'corríge'],
  ['resumir', 'resumas', 'resume', 'resúme'],
  ['mostrar', 'muestres', 'muestra', 'muéstra'],
  ['recomendar', 'recomiendes', 'recomienda', 'recomiénda'],
  ['sugerir', 'sugieras', 'sugiere', 'sugiére'],
  ['indicar', 'indiques', 'indica', 'indíca'],
  ['analizar', 'analices', 'analiza', 'analíza'],
  ['optimizar', 'optimices', 'optimiza', 'optimíza'],
  ['comparar', 'compares', 'compara', 'compára'],
  ['enseñar', 'enseñes', 'enseña', 'enséña'],
  ['preparar', 'prepares', 'prepara', 'prepára'],
  ['redactar', 'redactes', 'redacta', 'redácta'],
  ['convertir', 'conviertas', 'convierte', 'conviérte'],
  ['calcular', 'calcules', 'calcula', 'calcúla'],
  ['buscar', 'busques', 'busca', 'búsca'],
  ['responder', 'respondas', 'responde', 'respónde'],
  ['añadir', 'añadas', 'añade', 'añáde'],
  ['agregar', 'agregues', 'agrega', 'agréga'],
  ['refactorizar', 'refactorices', 'refactoriza', 'refactoríza'],
  ['documentar', 'documentes', 'documenta', 'documénta'],
  ['diseñar', 'diseñes', 'diseña', 'diséña'],
  ['implementar', 'implementes', 'implementa', 'impleménta'],
  ['proponer', 'propongas', 'propón', 'propon'],
  ['proporcionar', 'proporciones', 'proporciona', 'proporcióna'],
  ['elaborar', 'elabores', 'elabora', 'elabóra'],
  ['listar', 'listes', 'lista', 'lísta'],
  ['describir', 'describas', 'describe', 'descríbe'],
  ['mejorar', 'mejores', 'mejora', 'mejóra'],
  ['organizar', 'organices', 'organiza', 'organíza'],
  ['comprobar', 'compruebes', 'comprueba', 'compruéba'],
  ['verificar', 'verifiques', 'verifica', 'verifíca'],
  ['aclarar', 'aclares', 'aclara', 'aclára'],
  ['pasar', 'pases', 'pasa', 'pása'],
  ['enviar', 'envíes', 'envía', 'envía'],
  ['incluir', 'incluyas', 'incluye', 'inclúye'],
  ['usar', 'uses', 'usa', 'úsa'],
  ['leer', 'leas', 'lee', 'lée'],
  ['elegir', 'elijas', 'elige', 'elíge'],
  ['evaluar', 'evalúes', 'evalúa', 'evalúa'],
  ['solucionar', 'soluciones', 'soluciona', 'solucióna'],
  ['arreglar', 'arregles', 'arregla', 'arrégla'],
  ['probar', 'pruebes', 'prueba', 'pruéba'],
  ['planificar', 'planifiques', 'planifica', 'planifíca'],
  ['escoger', 'escojas', 'escoge', 'escóge'],
  ['contar', 'cuentes', 'cuenta', 'cuénta'],
  ['detallar', 'detalles', 'detalla', 'detálla'],
  ['resolver', 'resuelvas', 'resuelve', 'resuélve'],
];

/** Object pronouns that may be attached to the verb (only one is supported). */
export const CLITIC = '(?:me|te|nos|lo|la|los|las|le|les)';

interface VerbForms {
  imperative: string;
  accented: string;
}

// Imperfect subjunctive ("me gustaría que me explicaras"): regular from the infinitive, these not.
const IRREGULAR_IMPERFECT: Record<string, string> = {
  decir: 'dijeras', dar: 'dieras', hacer: 'hicieras', poner: 'pusieras', proponer: 'propusieras', traducir: 'tradujeras',
  corregir: 'corrigieras', sugerir: 'sugirieras', convertir: 'convirtieras', elegir: 'eligieras', incluir: 'incluyeras', leer: 'leyeras',
};
const imperfectOf = (infinitive: string): string =>
  IRREGULAR_IMPERFECT[infinitive] ?? (infinitive.endsWith('ar') ? `${infinitive.slice(0, -2)}aras` : `${infinitive.slice(0, -2)}ieras`);
// Present indicative ("¿me explicas...?"): the imperative plus s, but for these.
const IRREGULAR_PRESENT: Record<string, string> = { decir: 'dices', hacer: 'haces', poner: 'pones', proponer: 'propones' };
const presentOf = (infinitive: string, imperative: string): string => IRREGULAR_PRESENT[infinitive] ?? `${imperative}s`;

const byInfinitive = new Map(VERBS.map(([inf, , imp, acc]) => [inf, { imperative: imp, accented: acc }]));
const bySubjunctive = new Map(
  VERBS.flatMap(([inf, subj, imp, acc]) => [[subj, { imperative: imp, accented: acc }], [imperfectOf(inf), { imperative: imp, accented: acc }]] as const),
);
const byPresent = new Map(VERBS.map(([inf, , imp, acc]) => [presentOf(inf, imp), { imperative: imp, accented: acc }]));

const longestFirst = (words: Iterable<string>): string => [...words].sort((a, b) => b.length - a.length).join('|');
/** Regex alternation of the known infinitives / subjunctives. */
export const INFINITIVES = longestFirst(byInfinitive.keys());
export const SUBJUNCTIVES = longestFirst(bySubjunctive.keys());
export const PRESENTS = longestFirst(byPresent.keys());

function command(forms: VerbForms | undefined, clitic?: string): string | undefined {
  if (!forms) return undefined;
  return clitic ? forms.accented + clitic.toLowerCase() : forms.imperative;
}

/** "explicar" + "me" -> "explícame"; undefined when the verb is unknown. */
export function imperativeFromInfinitive(infinitive: string, clitic?: string): string | undefined {
  return command(byInfinitive.get(infinitive.toLowerCase()), clitic);
}

/** "expliques" + "me" -> "explícame"; undefined when the verb is unknown. */
export function imperativeFromSubjunctive(subjunctive: string, clitic?: string): string | undefined {
  return command(bySubjunctive.get(subjunctive.toLowerCase()), clitic);
}

/** "explicas" + "me" -> "explícame"; undefined when the verb is unknown. */
export function imperativeFromPresent(present: string, clitic?: string): string | undefined {
  return command(byPresent.get(present.toLowerCase()), clitic);
}
