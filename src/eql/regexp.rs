//! Lucene's regular expressions, as Elasticsearch's `regexp` query reads them (EQL's `regex` and
//! `regex~` translate to one, `RegexpFlag.ALL`): a small compiler to an automaton, matched without
//! backtracking. No regex crate: it keeps the WebAssembly module small, and Lucene's syntax is not
//! Rust's or JavaScript's anyway.
//!
//! The syntax (Lucene `RegExp`): the whole value must match (no `^`/`$` anchors: they are plain
//! characters); `.` any character; `?`, `*`, `+`, `{n}`, `{n,}`, `{n,m}` repeat; `|` union; `&`
//! intersection; `~` complement; `[a-z]`, `[^...]` classes; `"..."` a literal string; `#` the
//! empty language; `@` any string; `<n-m>` a decimal interval; `\d \s \w \D \S \W`; `\x` the
//! character `x`. `regex~` folds ASCII letters of characters and strings, as Lucene's
//! `ASCII_CASE_INSENSITIVE` does (ranges are not folded).
//!
//! Complement and intersection need deterministic automata: those parts are determinized, with
//! Lucene's bound of 10,000 states; the whole automaton is bounded too, so a pattern costs bounded
//! memory and a match bounded time (linear in the value's length times the states).

use crate::error::{Error, ErrorKind, Result};

/// Most states an automaton may have (Lucene's `DEFAULT_DETERMINIZE_WORK_LIMIT` is of this order).
const MAX_STATES: usize = 10_000;

const MAX_CHAR: u32 = 0x10FFFF;

/// A compiled pattern.
#[derive(Clone, Debug)]
pub(crate) struct Regex {
    states: Vec<State>,
    start: usize,
    accept: usize,
}

#[derive(Clone, Debug, Default)]
struct State {
    /// `(lo, hi, to)`: any character in `lo..=hi` moves to `to`.
    ranges: Vec<(u32, u32, usize)>,
    eps: Vec<usize>,
}

#[derive(Clone, Debug)]
enum Node {
    /// Characters in any of these ranges.
    Class(Vec<(u32, u32)>),
    Concat(Vec<Node>),
    Union(Vec<Node>),
    Inter(Box<Node>, Box<Node>),
    Compl(Box<Node>),
    Repeat(Box<Node>, u32, Option<u32>),
    /// The empty string.
    Empty,
    /// No string (`#`).
    Nothing,
    /// `<n-m>`.
    Interval(u64, u64, usize),
}

impl Regex {
    /// Compiles `pattern`; `insensitive` for `regex~`.
    pub(crate) fn new(pattern: &str, insensitive: bool) -> Result<Regex> {
        let mut p = Parser { chars: pattern.chars().collect(), pos: 0, insensitive, depth: 0 };
        let node = p.union()?;
        if p.pos < p.chars.len() {
            return Err(p.err("unexpected `)`"));
        }
        let mut b = Builder { states: Vec::new() };
        let (start, accept) = b.build(&node).map_err(|m| p.err(&m))?;
        Ok(Regex { states: b.states, start, accept })
    }

    /// Whether the whole of `text` matches.
    pub(crate) fn is_match(&self, text: &str) -> bool {
        let n = self.states.len();
        let mut cur = vec![false; n];
        let mut next = vec![false; n];
        let mut stack = Vec::new();
        self.close(self.start, &mut cur, &mut stack);
        for c in text.chars() {
            let c = c as u32;
            next.iter_mut().for_each(|x| *x = false);
            let mut any = false;
            for (state, _) in self.states.iter().zip(&cur).filter(|(_, on)| **on) {
                for &(lo, hi, to) in &state.ranges {
                    if lo <= c && c <= hi && !next[to] {
                        self.close(to, &mut next, &mut stack);
                        any = true;
                    }
                }
            }
            std::mem::swap(&mut cur, &mut next);
            if !any {
                return false;
            }
        }
        cur[self.accept]
    }

    fn close(&self, from: usize, set: &mut [bool], stack: &mut Vec<usize>) {
        stack.push(from);
        set[from] = true;
        while let Some(s) = stack.pop() {
            for &t in &self.states[s].eps {
                if !set[t] {
                    set[t] = true;
                    stack.push(t);
                }
            }
        }
    }
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    insensitive: bool,
    depth: usize,
}

impl Parser {
    fn err(&self, msg: &str) -> Error {
        Error::new(
            ErrorKind::Syntax,
            format!("invalid regular expression: {msg} at character {}", self.pos + 1),
        )
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn union(&mut self) -> Result<Node> {
        self.depth += 1;
        if self.depth > 100 {
            return Err(self.err("nested too deep"));
        }
        let mut items = vec![self.inter()?];
        while self.eat('|') {
            items.push(self.inter()?);
        }
        self.depth -= 1;
        Ok(if items.len() == 1 { items.pop().unwrap_or(Node::Empty) } else { Node::Union(items) })
    }

    fn inter(&mut self) -> Result<Node> {
        let left = self.concat()?;
        if self.eat('&') {
            let right = self.inter()?;
            return Ok(Node::Inter(Box::new(left), Box::new(right)));
        }
        Ok(left)
    }

    fn concat(&mut self) -> Result<Node> {
        let mut items = vec![self.repeat()?];
        while self.peek().is_some_and(|c| !matches!(c, ')' | '|' | '&')) {
            items.push(self.repeat()?);
        }
        Ok(if items.len() == 1 { items.pop().unwrap_or(Node::Empty) } else { Node::Concat(items) })
    }

    fn repeat(&mut self) -> Result<Node> {
        let mut node = self.compl()?;
        loop {
            node = match self.peek() {
                Some('?') => Node::Repeat(Box::new(node), 0, Some(1)),
                Some('*') => Node::Repeat(Box::new(node), 0, None),
                Some('+') => Node::Repeat(Box::new(node), 1, None),
                Some('{') => {
                    self.pos += 1;
                    let n = self.int()?;
                    let m = if self.eat(',') {
                        if self.peek() == Some('}') {
                            None
                        } else {
                            Some(self.int()?)
                        }
                    } else {
                        Some(n)
                    };
                    if !self.eat('}') {
                        return Err(self.err("expected `}`"));
                    }
                    if m.is_some_and(|m| m < n) {
                        return Err(self.err("repetition {n,m} with m < n"));
                    }
                    self.pos -= 1;
                    Node::Repeat(Box::new(node), n, m)
                }
                _ => return Ok(node),
            };
            self.pos += 1;
        }
    }

    fn int(&mut self) -> Result<u32> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        let s: String = self.chars[start..self.pos].iter().collect();
        s.parse().map_err(|_| self.err("expected a number"))
    }

    fn compl(&mut self) -> Result<Node> {
        if self.eat('~') {
            return Ok(Node::Compl(Box::new(self.compl()?)));
        }
        self.class_or_simple()
    }

    fn class_or_simple(&mut self) -> Result<Node> {
        if !self.eat('[') {
            return self.simple();
        }
        let negate = self.eat('^');
        let mut ranges = Vec::new();
        loop {
            match self.peek() {
                None => return Err(self.err("expected `]`")),
                Some(']') if !ranges.is_empty() || negate => {
                    self.pos += 1;
                    break;
                }
                _ => {}
            }
            if self.peek() == Some('\\') {
                if let Some(class) = self.predefined() {
                    ranges.extend(class);
                    continue;
                }
            }
            let lo = self.char_exp()?;
            if self.peek() == Some('-') && self.chars.get(self.pos + 1).is_some_and(|&c| c != ']') {
                self.pos += 1;
                let hi = self.char_exp()?;
                if hi < lo {
                    return Err(self.err("invalid range"));
                }
                ranges.push((lo, hi));
            } else {
                ranges.extend(self.fold(lo));
            }
        }
        Ok(Node::Class(if negate { negate_ranges(ranges) } else { ranges }))
    }

    /// `\d`, `\s`, `\w` and their negations (Lucene 9).
    fn predefined(&mut self) -> Option<Vec<(u32, u32)>> {
        let c = *self.chars.get(self.pos + 1)?;
        let set = match c.to_ascii_lowercase() {
            'd' => vec![('0' as u32, '9' as u32)],
            's' => vec![(9, 13), (32, 32)],
            'w' => vec![
                ('0' as u32, '9' as u32),
                ('A' as u32, 'Z' as u32),
                ('_' as u32, '_' as u32),
                ('a' as u32, 'z' as u32),
            ],
            _ => return None,
        };
        self.pos += 2;
        Some(if c.is_ascii_uppercase() { negate_ranges(set) } else { set })
    }

    fn char_exp(&mut self) -> Result<u32> {
        match self.peek() {
            None => Err(self.err("unexpected end of the pattern")),
            Some('\\') => {
                self.pos += 1;
                let c = self.peek().ok_or_else(|| self.err("`\\` at the end of the pattern"))?;
                self.pos += 1;
                Ok(c as u32)
            }
            Some(c) => {
                self.pos += 1;
                Ok(c as u32)
            }
        }
    }

    fn fold(&self, c: u32) -> Vec<(u32, u32)> {
        let ch = char::from_u32(c).unwrap_or('\0');
        if self.insensitive && ch.is_ascii_alphabetic() {
            let (a, b) = (ch.to_ascii_lowercase() as u32, ch.to_ascii_uppercase() as u32);
            vec![(a, a), (b, b)]
        } else {
            vec![(c, c)]
        }
    }

    fn simple(&mut self) -> Result<Node> {
        match self.peek() {
            None => Err(self.err("unexpected end of the pattern")),
            Some('.') => {
                self.pos += 1;
                Ok(Node::Class(vec![(0, MAX_CHAR)]))
            }
            Some('#') => {
                self.pos += 1;
                Ok(Node::Nothing)
            }
            Some('@') => {
                self.pos += 1;
                Ok(Node::Repeat(Box::new(Node::Class(vec![(0, MAX_CHAR)])), 0, None))
            }
            Some('"') => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    match self.peek() {
                        None => return Err(self.err("expected `\"`")),
                        Some('"') => {
                            self.pos += 1;
                            break;
                        }
                        Some(c) => {
                            self.pos += 1;
                            items.push(Node::Class(self.fold(c as u32)));
                        }
                    }
                }
                Ok(if items.is_empty() { Node::Empty } else { Node::Concat(items) })
            }
            Some('(') => {
                self.pos += 1;
                if self.eat(')') {
                    return Ok(Node::Empty);
                }
                let inner = self.union()?;
                if !self.eat(')') {
                    return Err(self.err("expected `)`"));
                }
                Ok(inner)
            }
            Some('<') => {
                self.pos += 1;
                let start = self.pos;
                while self.peek().is_some_and(|c| c != '>') {
                    self.pos += 1;
                }
                if !self.eat('>') {
                    return Err(self.err("expected `>`"));
                }
                let body: String = self.chars[start..self.pos - 1].iter().collect();
                let (a, b) = body.split_once('-').ok_or_else(|| {
                    self.err("named automata `<name>` are not available; `<n-m>` is an interval")
                })?;
                let (lo, hi): (u64, u64) = match (a.parse(), b.parse()) {
                    (Ok(lo), Ok(hi)) => (lo, hi),
                    _ => return Err(self.err("invalid interval `<n-m>`")),
                };
                let digits = if a.len() == b.len() { a.len() } else { 0 };
                Ok(Node::Interval(lo.min(hi), lo.max(hi), digits))
            }
            Some(c) if matches!(c, ')' | '|' | '&' | '*' | '+' | '?' | '{' | '}' | ']') => {
                Err(self.err(&format!("unexpected `{c}`; escape it as `\\{c}`")))
            }
            Some('\\') if self.predefined_ahead() => {
                let set = self.predefined().unwrap_or_default();
                Ok(Node::Class(set))
            }
            Some(_) => {
                let c = self.char_exp()?;
                Ok(Node::Class(self.fold(c)))
            }
        }
    }

    fn predefined_ahead(&self) -> bool {
        self.chars.get(self.pos + 1).is_some_and(|c| matches!(c, 'd' | 'D' | 's' | 'S' | 'w' | 'W'))
    }
}

/// Sorts in place with no allocation and little code (one instance for every sort here: the
/// WebAssembly module stays small). Heapsort: O(n log n), whatever the input.
fn sort(v: &mut [u64]) {
    fn sift(v: &mut [u64], mut i: usize, n: usize) {
        loop {
            let mut big = i;
            for c in [2 * i + 1, 2 * i + 2] {
                if c < n && v[c] > v[big] {
                    big = c;
                }
            }
            if big == i {
                return;
            }
            v.swap(i, big);
            i = big;
        }
    }
    let n = v.len();
    for i in (0..n / 2).rev() {
        sift(v, i, n);
    }
    for end in (1..n).rev() {
        v.swap(0, end);
        sift(v, 0, end);
    }
}

/// A transition `(lo, hi, to)` as one number that sorts by `lo` (code points have 21 bits,
/// states fewer than 2^14).
fn pack(lo: u32, hi: u32, to: usize) -> u64 {
    (u64::from(lo) << 35) | (u64::from(hi) << 14) | to as u64
}

fn unpack(x: u64) -> (u32, u32, usize) {
    ((x >> 35) as u32, ((x >> 14) & 0x1F_FFFF) as u32, (x & 0x3FFF) as usize)
}

/// A set of states as a string key (one character per state index), so that the maps here share
/// one instance with the crate's other string-keyed maps.
fn key(states: impl Iterator<Item = usize>) -> String {
    states.map(|s| char::from_u32(s as u32 + 1).unwrap_or('\u{0}')).collect()
}

fn negate_ranges(ranges: Vec<(u32, u32)>) -> Vec<(u32, u32)> {
    let mut packed: Vec<u64> = ranges.iter().map(|&(lo, hi)| pack(lo, hi, 0)).collect();
    sort(&mut packed);
    let mut out = Vec::new();
    let mut next = 0u32;
    for (lo, hi, _) in packed.into_iter().map(unpack) {
        if lo > next {
            out.push((next, lo - 1));
        }
        next = next.max(hi.saturating_add(1));
    }
    if next <= MAX_CHAR {
        out.push((next, MAX_CHAR));
    }
    out
}

struct Builder {
    states: Vec<State>,
}

type Built = std::result::Result<(usize, usize), String>;

impl Builder {
    fn state(&mut self) -> std::result::Result<usize, String> {
        if self.states.len() >= MAX_STATES {
            return Err(format!("the pattern needs more than {MAX_STATES} automaton states"));
        }
        self.states.push(State::default());
        Ok(self.states.len() - 1)
    }

    fn build(&mut self, node: &Node) -> Built {
        let s = self.state()?;
        let e = self.state()?;
        match node {
            Node::Class(ranges) => {
                for &(lo, hi) in ranges {
                    self.states[s].ranges.push((lo, hi, e));
                }
            }
            Node::Empty => self.states[s].eps.push(e),
            Node::Nothing => {}
            Node::Concat(items) => {
                let mut at = s;
                for item in items {
                    let (a, b) = self.build(item)?;
                    self.states[at].eps.push(a);
                    at = b;
                }
                self.states[at].eps.push(e);
            }
            Node::Union(items) => {
                for item in items {
                    let (a, b) = self.build(item)?;
                    self.states[s].eps.push(a);
                    self.states[b].eps.push(e);
                }
            }
            Node::Repeat(inner, min, max) => {
                let mut at = s;
                for _ in 0..*min {
                    let (a, b) = self.build(inner)?;
                    self.states[at].eps.push(a);
                    at = b;
                }
                match max {
                    None => {
                        let (a, b) = self.build(inner)?;
                        self.states[at].eps.push(a);
                        self.states[b].eps.push(a);
                        self.states[b].eps.push(e);
                    }
                    Some(max) => {
                        for _ in *min..*max {
                            let (a, b) = self.build(inner)?;
                            self.states[at].eps.push(a);
                            self.states[at].eps.push(e);
                            at = b;
                        }
                    }
                }
                self.states[at].eps.push(e);
            }
            Node::Interval(lo, hi, digits) => {
                let alts = interval(*lo, *hi, *digits);
                let (a, b) = self.build(&alts)?;
                self.states[s].eps.push(a);
                self.states[b].eps.push(e);
            }
            Node::Compl(inner) => {
                let mut d = self.dfa(inner)?;
                d.complete();
                for acc in d.accept.iter_mut() {
                    *acc = !*acc;
                }
                self.embed(&d, s, e)?;
            }
            Node::Inter(a, b) => {
                let da = self.dfa(a)?;
                let db = self.dfa(b)?;
                let d = Dfa::product(&da, &db)?;
                self.embed(&d, s, e)?;
            }
        }
        Ok((s, e))
    }

    /// A deterministic automaton of `node` (built apart, then determinized).
    fn dfa(&mut self, node: &Node) -> std::result::Result<Dfa, String> {
        let mut sub = Builder { states: Vec::new() };
        let (s, e) = sub.build(node)?;
        Dfa::determinize(&Regex { states: sub.states, start: s, accept: e })
    }

    fn embed(&mut self, d: &Dfa, s: usize, e: usize) -> std::result::Result<(), String> {
        let base = self.states.len();
        for _ in 0..d.trans.len() {
            self.state()?;
        }
        self.states[s].eps.push(base);
        for (i, trans) in d.trans.iter().enumerate() {
            for &(lo, hi, to) in trans {
                self.states[base + i].ranges.push((lo, hi, base + to));
            }
            if d.accept[i] {
                self.states[base + i].eps.push(e);
            }
        }
        Ok(())
    }
}

/// A deterministic automaton: state 0 starts.
struct Dfa {
    trans: Vec<Vec<(u32, u32, usize)>>,
    accept: Vec<bool>,
}

impl Dfa {
    fn determinize(nfa: &Regex) -> std::result::Result<Dfa, String> {
        use std::collections::HashMap;
        let n = nfa.states.len();
        let set_key = |set: &[bool]| key((0..n).filter(|&i| set[i]));
        let closure = |set: &mut Vec<bool>, stack: &mut Vec<usize>| {
            let seeds: Vec<usize> = (0..n).filter(|&i| set[i]).collect();
            for s in seeds {
                nfa.close(s, set, stack);
            }
        };
        let mut stack = Vec::new();
        let mut first = vec![false; n];
        first[nfa.start] = true;
        closure(&mut first, &mut stack);
        let mut ids: HashMap<String, usize> = HashMap::new();
        ids.insert(set_key(&first), 0);
        let mut sets = vec![first];
        let mut dfa = Dfa { trans: Vec::new(), accept: Vec::new() };
        let mut i = 0;
        while i < sets.len() {
            let set = sets[i].clone();
            dfa.accept.push(set[nfa.accept]);
            // Cut the alphabet at every range boundary of the set's transitions.
            let mut cuts: Vec<u64> = vec![0, u64::from(MAX_CHAR) + 1];
            for s in (0..n).filter(|&s| set[s]) {
                for &(lo, hi, _) in &nfa.states[s].ranges {
                    cuts.push(lo.into());
                    cuts.push(u64::from(hi) + 1);
                }
            }
            sort(&mut cuts);
            cuts.dedup();
            let cuts: Vec<u32> = cuts.into_iter().map(|c| c as u32).collect();
            let mut trans = Vec::new();
            for w in cuts.windows(2) {
                let (lo, hi) = (w[0], w[1] - 1);
                let mut to = vec![false; n];
                let mut any = false;
                for s in (0..n).filter(|&s| set[s]) {
                    for &(a, b, t) in &nfa.states[s].ranges {
                        if a <= lo && hi <= b {
                            to[t] = true;
                            any = true;
                        }
                    }
                }
                if !any {
                    continue;
                }
                closure(&mut to, &mut stack);
                let k = set_key(&to);
                let id = match ids.get(&k) {
                    Some(&id) => id,
                    None => {
                        if sets.len() >= MAX_STATES {
                            return Err(format!("the pattern needs more than {MAX_STATES} automaton states"));
                        }
                        sets.push(to);
                        ids.insert(k, sets.len() - 1);
                        sets.len() - 1
                    }
                };
                trans.push((lo, hi, id));
            }
            dfa.trans.push(trans);
            i += 1;
        }
        Ok(dfa)
    }

    /// Adds a dead state so that every state moves on every character.
    fn complete(&mut self) {
        let dead = self.trans.len();
        self.trans.push(vec![(0, MAX_CHAR, dead)]);
        self.accept.push(false);
        for t in &mut self.trans[..dead] {
            let mut packed: Vec<u64> = t.iter().map(|&(lo, hi, to)| pack(lo, hi, to)).collect();
            sort(&mut packed);
            *t = packed.into_iter().map(unpack).collect();
            let mut fill = Vec::new();
            let mut next = 0u32;
            for &(lo, hi, _) in t.iter() {
                if lo > next {
                    fill.push((next, lo - 1, dead));
                }
                next = hi + 1;
            }
            if next <= MAX_CHAR {
                fill.push((next, MAX_CHAR, dead));
            }
            t.extend(fill);
        }
    }

    fn product(a: &Dfa, b: &Dfa) -> std::result::Result<Dfa, String> {
        use std::collections::HashMap;
        let mut ids: HashMap<String, usize> = HashMap::new();
        let mut pairs = vec![(0usize, 0usize)];
        ids.insert(key([0, 0].into_iter()), 0);
        let mut out = Dfa { trans: Vec::new(), accept: Vec::new() };
        let mut i = 0;
        while i < pairs.len() {
            let (x, y) = pairs[i];
            out.accept.push(a.accept[x] && b.accept[y]);
            let mut trans = Vec::new();
            for &(alo, ahi, ato) in &a.trans[x] {
                for &(blo, bhi, bto) in &b.trans[y] {
                    let (lo, hi) = (alo.max(blo), ahi.min(bhi));
                    if lo > hi {
                        continue;
                    }
                    let k = key([ato, bto].into_iter());
                    let id = match ids.get(&k) {
                        Some(&id) => id,
                        None => {
                            if pairs.len() >= MAX_STATES {
                                return Err(format!(
                                    "the pattern needs more than {MAX_STATES} automaton states"
                                ));
                            }
                            pairs.push((ato, bto));
                            ids.insert(k, pairs.len() - 1);
                            pairs.len() - 1
                        }
                    };
                    trans.push((lo, hi, id));
                }
            }
            out.trans.push(trans);
            i += 1;
        }
        Ok(out)
    }
}

/// `<lo-hi>` as Lucene's `Automata.makeDecimalInterval`: with `digits > 0`, exactly that many
/// digits (leading zeros fill); otherwise any number of leading zeros.
fn interval(lo: u64, hi: u64, digits: usize) -> Node {
    if digits > 0 {
        return fixed(&format!("{lo:0digits$}"), &format!("{hi:0digits$}"));
    }
    let mut alts = Vec::new();
    let (lo_len, hi_len) = (lo.to_string().len(), hi.to_string().len());
    for w in lo_len..=hi_len {
        let floor = if w == 1 { 0 } else { 10u64.pow(w as u32 - 1) };
        let ceil = 10u64.checked_pow(w as u32).map_or(u64::MAX, |c| c - 1);
        let (a, b) = (lo.max(floor), hi.min(ceil));
        if a <= b {
            alts.push(fixed(&a.to_string(), &b.to_string()));
        }
    }
    let zeros = Node::Repeat(Box::new(Node::Class(vec![('0' as u32, '0' as u32)])), 0, None);
    Node::Concat(vec![zeros, Node::Union(alts)])
}

/// Digit strings of one width between `lo` and `hi` (both that width).
fn fixed(lo: &str, hi: &str) -> Node {
    let digit = |a: u8, b: u8| Node::Class(vec![(u32::from(a), u32::from(b))]);
    let (l, h) = (lo.as_bytes(), hi.as_bytes());
    if l.is_empty() {
        return Node::Empty;
    }
    if l[0] == h[0] {
        return Node::Concat(vec![digit(l[0], l[0]), fixed(&lo[1..], &hi[1..])]);
    }
    let rest = l.len() - 1;
    let mut alts = vec![Node::Concat(vec![digit(l[0], l[0]), fixed(&lo[1..], &"9".repeat(rest))])];
    if h[0] - l[0] > 1 {
        alts.push(Node::Concat(vec![
            digit(l[0] + 1, h[0] - 1),
            Node::Repeat(Box::new(digit(b'0', b'9')), rest as u32, Some(rest as u32)),
        ]));
    }
    alts.push(Node::Concat(vec![digit(h[0], h[0]), fixed(&"0".repeat(rest), &hi[1..])]));
    Node::Union(alts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, s: &str) -> bool {
        Regex::new(p, false).unwrap().is_match(s)
    }

    #[test]
    fn lucene_operators() {
        assert!(m("ab.*", "abc") && !m("ab.*", "xabc"), "anchored");
        assert!(m("a+b?c{2,3}", "aacc") && !m("a+b?c{2,3}", "acccc"));
        assert!(m("a{2}", "aa") && !m("a{2}", "a") && m("a{1,}", "aaaa"));
        assert!(m("(ab|cd)+", "abcdab") && !m("(ab|cd)+", "abc"));
        assert!(m("[a-c]x", "bx") && !m("[^a-c]x", "bx") && m("[^a-c]x", "dx"));
        assert!(m("\"a.b\"", "a.b") && !m("\"a.b\"", "axb"));
        assert!(m("a\\.b", "a.b") && !m("a\\.b", "axb"));
        assert!(m("@", "anything") && !m("#", "") && m("()", ""));
        assert!(m("~(abc)", "abd") && !m("~(abc)", "abc"));
        assert!(m("@abc@&@def@", "xxdefabc") && !m("@abc@&@def@", "abc"));
        assert!(m("file<1-10>", "file7") && m("file<1-10>", "file10") && m("file<1-10>", "file007"));
        assert!(!m("file<1-10>", "file11") && !m("file<01-10>", "file7") && m("file<01-10>", "file07"));
        assert!(m("\\d+\\s\\w", "42 x") && !m("\\d", "x") && m("\\D", "x"));
        assert!(m("^a$", "^a$"), "^ and $ are plain characters");
        assert!(m(".", "é") && m("..", "😀x"), ". is one code point");
    }

    #[test]
    fn case_insensitive_folds_ascii_characters() {
        let r = Regex::new("ab\"cd\"", true).unwrap();
        assert!(r.is_match("ABCD") && r.is_match("aBcD"));
        assert!(!Regex::new("é", true).unwrap().is_match("É"));
        assert!(!Regex::new("[a-z]", true).unwrap().is_match("A"), "ranges are not folded");
    }

    #[test]
    fn bad_patterns_and_bounds() {
        for p in ["(a", "a)", "[a", "a{2", "*a", "a|", "<a-b>", "\\"] {
            assert!(Regex::new(p, false).is_err(), "{p}");
        }
        assert!(Regex::new("(a{1000}){1000}", false).is_err());
        // Determinizing ".*a.{20}" needs 2^20 states: refused, not built.
        let e = Regex::new("~(.*a.{20})", false).unwrap_err();
        assert!(e.message().contains("10000 automaton states"), "{e}");
    }
}
