// Helpers of the ingestion and workers benches: synthetic English-like text, uploads through the
// api, a COPY FROM STDIN for the `pg` client (no pg-copy-streams in the dependencies), /proc
// sampling of child processes and of the database's backends.
const { Blob, Buffer } = require('node:buffer');
const { readdirSync, readFileSync, writeFileSync } = require('node:fs');
const { prng } = require('./support.js');

// ---------------------------------------------------------------------------------------------
// Text: real English words for the frequent part of the vocabulary (the 'english' text search
// configuration stems them and drops the stop words, as it would on real documents) and a long
// tail of pronounceable made-up words, drawn with a Zipf-like skew, so the GIN index sees a
// realistic mix of very common and rare lexemes.

const COMMON = `the of and to a in is it you that he was for on are with as his they be at one have
this from or had by not word but what some we can out other were all there when up use your how
said an each she which do their time if will way about many then them write would like so these
her long make thing see him two has look more day could go come did number sound no most people
my over know water than call first who may down side been now find any new work part take get
place made live where after back little only round man year came show every good me give our
under name very through just form sentence great think say help low line differ turn cause much
mean before move right boy old too same tell does set three want air well also play small end
put home read hand port large spell add even land here must big high such follow act why ask men
change went light kind off need house picture try us again animal point mother world near build
self earth father head stand own page should country found answer school grow study still learn
plant cover food sun four between state keep eye never last let thought city tree cross farm hard
start might story saw far sea draw left late run while press close night real life few north open
seem together next white children begin got walk example ease paper group always music those both
mark often letter until mile river car feet care second book carry took science eat room friend
began idea fish mountain stop once base hear horse cut sure watch color face wood main enough
plain girl usual young ready above ever red list though feel talk bird soon body dog family direct
pose leave song measure door product black short numeral class wind question happen complete ship
area half rock order fire south problem piece told knew pass since top whole king space heard best
hour better true during hundred five remember step early hold west ground interest reach fast verb
sing listen six table travel less morning ten simple several vowel toward war lay against pattern
slow center love person money serve appear road map rain rule govern pull cold notice voice unit
power town fine certain fly fall lead cry dark machine note wait plan figure star box noun field
rest correct able pound done beauty drive stood contain front teach week final gave green oh quick
develop ocean warm free minute strong special mind behind clear tail produce fact street inch
multiply nothing course stay wheel full force blue object decide surface deep moon island foot
system busy test record boat common gold possible plane stead dry wonder laugh thousand ago ran
check game shape equate hot miss brought heat snow tire bring yes distant fill east paint language
among grand ball yet wave drop heart present heavy dance engine position arm wide sail material
size vary settle speak weight general ice matter circle pair include divide syllable felt perhaps
pick sudden count square reason length represent art subject region energy hunt probable bed
brother egg ride cell believe fraction forest sit race window store summer train sleep prove lone
leg exercise wall catch mount wish sky board joy winter sat written wild instrument kept glass
grass cow job edge sign visit past soft fun bright gas weather month million bear finish happy
hope flower clothe strange gone jump baby eight village meet root buy raise solve metal whether
push seven paragraph third shall held hair describe cook floor either result burn hill safe cat
century consider type law bit coast copy phrase silent tall sand soil roll temperature finger
industry value fight lie beat excite natural view sense ear else quite broke case middle kill son
lake moment scale loud spring observe child straight consonant nation dictionary milk speed method
organ pay age section dress cloud surprise quiet stone tiny climb cool design poor lot experiment
bottom key iron single stick flat twenty skin smile crease hole trade melody trip office receive
row mouth exact symbol die least trouble shout except wrote seed tone join suggest clean break lady
yard rise bad blow oil blood touch grew cent mix team wire cost lost brown wear garden equal sent
choose fell fit flow fair bank collect save control decimal gentle woman captain practice separate
difficult doctor please protect noon whose locate ring character insect caught period indicate
radio spoke atom human history effect electric expect crop modern element hit student corner party
supply bone rail imagine provide agree thus capital chair danger fruit rich thick soldier process
operate guess necessary sharp wing create neighbor wash bat rather crowd corn compare poem string
bell depend meat rub tube famous dollar stream fear sight thin triangle planet hurry chief colony
clock mine tie enter major fresh search send yellow gun allow print dead spot desert suit current
lift rose continue block chart hat sell success company subtract event particular deal swim term
opposite wife shoe shoulder spread arrange camp invent cotton born determine quart nine truck
noise level chance gather shop stretch throw shine property column molecule select wrong gray
repeat require broad prepare salt nose plural anger claim continent oxygen sugar death pretty skill
women season solution magnet silver thank branch match suffix especially fig afraid huge sister
steel discuss forward similar guide experience score apple bought led pitch coat mass card band
rope slip win dream evening condition feed tool total basic smell valley nor double seat arrive
master track parent shore division sheet substance favor connect post spend chord fat glad
original share station dad bread charge proper bar offer segment slave duck instant market degree
populate chick dear enemy reply drink occur support speech nature range steam motion path liquid
log meant quotient teeth shell neck`.split(/\s+/);

const ONSETS = ['b', 'c', 'd', 'f', 'g', 'h', 'j', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v'];
const ONSETS2 = ['br', 'ch', 'cl', 'dr', 'fl', 'gr', 'pl', 'pr', 'sh', 'st', 'th', 'tr', 'wh'];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ai', 'ea', 'ee', 'io', 'ou', 'oa'];
const CODAS = ['', '', 'n', 'r', 's', 't', 'l', 'm', 'nd', 'st', 'ng', 'rk', 'x'];
const SUFFIXES = ['', '', '', 'ing', 'ed', 'tion', 'ment', 'ness', 'er', 'ly', 'able', 'ity'];

const pick = (random, list) => list[Math.floor(random() * list.length)];

function buildVocabulary(size) {
  const random = prng(0x5eed);
  const words = new Set(COMMON);
  while (words.size < size) {
    let word = '';
    const syllables = 1 + Math.floor(random() * 3);
    for (let i = 0; i < syllables; i += 1) {
      word += pick(random, random() < 0.3 ? ONSETS2 : ONSETS) + pick(random, VOWELS);
      word += pick(random, CODAS);
    }
    words.add(word + pick(random, SUFFIXES));
  }
  return [...words];
}

const VOCABULARY = buildVocabulary(30_000);

/**
 * English-like prose of about `bytes` bytes (ASCII, so bytes = characters): sentences of 6 to 22
 * words in paragraphs of 3 to 8 sentences, blank lines between paragraphs.
 */
function proseText(bytes, seed, title = '') {
  const random = prng(seed);
  const word = () => VOCABULARY[Math.floor(VOCABULARY.length * random() ** 3)];
  const parts = [];
  let length = 0;
  if (title) {
    parts.push(`${title}\n\n`);
    length += title.length + 2;
  }
  while (length < bytes) {
    const sentences = 3 + Math.floor(random() * 6);
    let paragraph = '';
    for (let s = 0; s < sentences; s += 1) {
      const count = 6 + Math.floor(random() * 17);
      const words = [];
      for (let w = 0; w < count; w += 1) words.push(word());
      if (random() < 0.2) words[Math.floor(random() * count)] += ',';
      const sentence = words.join(' ');
      paragraph += `${sentence[0].toUpperCase()}${sentence.slice(1)}. `;
    }
    const text = `${paragraph.trimEnd()}\n\n`;
    parts.push(text);
    length += text.length;
  }
  return parts.join('').slice(0, bytes).trimEnd() + '\n';
}

// ---------------------------------------------------------------------------------------------
// COPY ... FROM STDIN through pg's Submittable interface (what pg-copy-streams does): the client
// sends the statement, then CopyData messages, then CopyDone.

/** One COPY FROM STDIN; `chunks` are Buffers of COPY text format. Resolves to the rows copied. */
function copyFrom(client, sql, chunks) {
  return new Promise((resolve, reject) => {
    let settled = false;
    let error = null;
    let rowCount = 0;
    const settle = () => {
      if (settled) return;
      settled = true;
      if (error) reject(error);
      else resolve(rowCount);
    };
    client.query({
      submit(connection) {
        connection.query(sql);
      },
      handleCopyInResponse(connection) {
        for (const chunk of chunks) connection.sendCopyFromChunk(chunk);
        connection.endCopyFrom();
      },
      handleCommandComplete(message) {
        rowCount = Number(/(\d+)$/.exec(message.text ?? '')?.[1] ?? 0);
      },
      handleError(err) {
        error = err;
        settle();
      },
      handleReadyForQuery() {
        settle();
      },
      // pg calls these for every query; a COPY FROM produces none of them
      handleRowDescription() {},
      handleDataRow() {},
      handleEmptyQuery() {},
      handlePortalSuspended() {},
      handleCopyData() {},
    });
  });
}

/** A value in COPY text format (backslash, tab, newline and carriage return escaped). */
function copyValue(value) {
  if (value === null || value === undefined) return '\\N';
  const text = value instanceof Date ? value.toISOString() : String(value);
  return text.replace(/[\\\t\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
  );
}

/** Rows in COPY text format, as Buffers of about 1 MB each. */
function copyChunks(rows) {
  const chunks = [];
  let lines = [];
  let size = 0;
  for (const row of rows) {
    const line = `${row.map(copyValue).join('\t')}\n`;
    lines.push(line);
    size += line.length;
    if (size >= 1 << 20) {
      chunks.push(Buffer.from(lines.join(''), 'utf8'));
      lines = [];
      size = 0;
    }
  }
  if (lines.length) chunks.push(Buffer.from(lines.join(''), 'utf8'));
  return chunks;
}

// ---------------------------------------------------------------------------------------------
// /proc sampling (Linux): resident memory and CPU time of a process, threads included.

function procStatus(pid) {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rssKib: kib('VmRSS'), hwmKib: kib('VmHWM') };
}

/** Resets the process's peak RSS (VmHWM) to its current RSS; false when the kernel refuses. */
function resetPeak(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** user + system CPU seconds of the process (all its threads), from /proc/<pid>/stat. */
function cpuSeconds(pid, ticksPerSecond = 100) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is the state (field 3 of the man page): utime is field 14, stime field 15
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/**
 * CPU seconds of every PostgreSQL backend serving the database `db` is connected to (the api's
 * and the workers' connections), `db`'s own excepted: pid → seconds.
 */
async function backendCpu(db) {
  const { rows } = await db.query(
    `select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`,
  );
  const cpu = new Map();
  for (const { pid } of rows) {
    try {
      cpu.set(pid, cpuSeconds(pid));
    } catch {
      // the backend exited meanwhile
    }
  }
  return cpu;
}

/** Uploads text files through the api, as the web client does; all must be accepted. Their ids. */
async function uploadTexts(apiUrl, token, files) {
  const form = new globalThis.FormData();
  for (const file of files) {
    form.append('files', new Blob([file.content], { type: file.type ?? 'text/plain' }), file.name);
  }
  const response = await globalThis.fetch(`${apiUrl}/api/v1/documents`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  const body = await response.json();
  if (response.status !== 202 || body.accepted?.length !== files.length) {
    throw new Error(
      `upload of ${files.length} files answered ${response.status}: ${JSON.stringify(body).slice(0, 2000)}`,
    );
  }
  return body.accepted.map((document) => document.id);
}

/**
 * The processes `pid` started that are still alive (its extraction processes, for the worker),
 * from /proc/<pid>/task/<tid>/children (Linux).
 */
function childPids(pid) {
  const pids = new Set();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
        for (const child of text.split(/\s+/).filter(Boolean)) pids.add(Number(child));
      } catch {
        // the thread ended meanwhile
      }
    }
  } catch {
    // the process ended
  }
  return [...pids];
}

/**
 * A PDF of `pages` pages of seeded prose (about 45 lines of 90 characters each), written out by
 * hand so the bench needs no PDF library and downloads nothing: Helvetica (a standard font, not
 * embedded), one uncompressed content stream per page, a classic cross-reference table.
 */
function prosePdf(pages, seed) {
  const LINES = 45;
  const WIDTH = 90;
  const text = proseText(pages * LINES * WIDTH * 1.2, seed, `A ${pages}-page document (${seed})`)
    .replace(/[^ -~\n]/g, ' ')
    .replace(/\s+/g, ' ');
  const escape = (line) => line.replace(/[\\()]/g, (char) => `\\${char}`);
  const objects = [];
  // returns the object's number (its position, from 1)
  const add = (body) => objects.push(body);
  add('<< /Type /Catalog /Pages 2 0 R >>');
  add(null); // the page tree, once the page objects are known
  add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');
  const kids = [];
  let at = 0;
  for (let page = 0; page < pages; page += 1) {
    const lines = [];
    for (let line = 0; line < LINES && at < text.length; line += 1) {
      let end = Math.min(text.length, at + WIDTH);
      const space = text.lastIndexOf(' ', end);
      if (end < text.length && space > at) end = space;
      lines.push(escape(text.slice(at, end).trim()));
      at = end;
    }
    const content = `BT /F1 10 Tf 14 TL 50 800 Td ${lines.map((line) => `(${line}) Tj T*`).join(' ')} ET`;
    const contentNumber = add(
      `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`,
    );
    const pageNumber = add(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents ${contentNumber} 0 R >>`,
    );
    kids.push(`${pageNumber} 0 R`);
  }
  objects[1] = `<< /Type /Pages /Kids [${kids.join(' ')}] /Count ${pages} >>`;
  let pdf = '%PDF-1.4\n';
  const offsets = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(pdf, 'latin1'));
    pdf += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(pdf, 'latin1');
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) pdf += `${String(offset).padStart(10, '0')} 00000 n \n`;
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(pdf, 'latin1');
}

module.exports = {
  childPids,
  prosePdf,
  proseText,
  copyFrom,
  copyChunks,
  procStatus,
  resetPeak,
  cpuSeconds,
  backendCpu,
  uploadTexts,
};
