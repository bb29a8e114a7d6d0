// The genre allowlist, matched case-insensitively (whitespace collapsed) and normalised to its canonical
// spelling (#367), plus the community variants the newest reference maps onto it ("hip hop", "rnb", "dnb"…).
const GENRES = [
  'Electronic',
  'Rock',
  'Metal',
  'Alternative',
  'Hip-Hop/Rap',
  'Experimental',
  'Punk',
  'Folk',
  'Pop',
  'Ambient',
  'Soundtrack',
  'World',
  'Jazz',
  'Acoustic',
  'Funk',
  'R&B/Soul',
  'Devotional',
  'Classical',
  'Reggae',
  'Podcasts',
  'Country',
  'Spoken Word',
  'Comedy',
  'Blues',
  'Kids',
  'Audiobooks',
  'Latin',
  'Lo-Fi',
  'Hyperpop',
  'Dancehall',
  'Techno',
  'Trap',
  'House',
  'Tech House',
  'Deep House',
  'Disco',
  'Electro',
  'Jungle',
  'Progressive House',
  'Hardstyle',
  'Glitch Hop',
  'Trance',
  'Future Bass',
  'Future House',
  'Tropical House',
  'Downtempo',
  'Drum & Bass',
  'Dubstep',
  'Jersey Club',
  'Vaporwave',
  'Moombahton',
];

const collapse = (s: string) => s.toLowerCase().trim().split(/\s+/).join(' ');

const VARIANTS: Readonly<Record<string, string>> = {
  'hip-hop': 'Hip-Hop/Rap',
  hiphop: 'Hip-Hop/Rap',
  'hip hop': 'Hip-Hop/Rap',
  'hip hop/rap': 'Hip-Hop/Rap',
  rap: 'Hip-Hop/Rap',
  'r&b': 'R&B/Soul',
  rnb: 'R&B/Soul',
  'r and b': 'R&B/Soul',
  'r&b soul': 'R&B/Soul',
  'drum and bass': 'Drum & Bass',
  'drum&bass': 'Drum & Bass',
  dnb: 'Drum & Bass',
  'd&b': 'Drum & Bass',
  edm: 'Electronic',
  'electronic dance music': 'Electronic',
  lofi: 'Lo-Fi',
  'lo fi': 'Lo-Fi',
};

const CANONICAL = new Map<string, string>([
  ...GENRES.map((g): [string, string] => [collapse(g), g]),
  ...Object.entries(VARIANTS),
]);

/** The canonical allow-list spelling, or undefined for a genre outside the list. */
export function canonicalGenre(genre: string): string | undefined {
  return CANONICAL.get(collapse(genre));
}
