//! A codebook's entries as a tree: parents and children indexed once, in linear time, so that each
//! walk (the entries in order, an entry's path, the categories above it) costs what it visits,
//! however many entries there are and however they nest. `CodebookFile::check` refuses more than
//! [`MAX_DEPTH`] levels; the walks stay linear for a deeper codebook stored before that rule.

use std::cell::Cell;
use std::collections::HashMap;

use super::model::{CodeEntry, CodebookFile};

/// The most levels a codebook may nest, from a top category down to a code.
pub const MAX_DEPTH: usize = 12;

/// The entries of one codebook with their links. Build it once per page or export, not per entry.
pub struct Tree<'a> {
    codes: &'a [CodeEntry],
    by_id: HashMap<&'a str, usize>,
    parent: Vec<Option<usize>>,
    children: Vec<Vec<usize>>,
    /// Entries without a parent (or whose parent does not exist), in file order.
    tops: Vec<usize>,
    /// Links followed by the walks so far: their work, which tests hold to account.
    followed: Cell<usize>,
}

impl<'a> Tree<'a> {
    pub fn new(file: &'a CodebookFile) -> Tree<'a> {
        let codes = file.codes.as_slice();
        let mut by_id = HashMap::with_capacity(codes.len());
        for (i, entry) in codes.iter().enumerate() {
            by_id.entry(entry.id.as_str()).or_insert(i);
        }
        let parent: Vec<Option<usize>> =
            codes.iter().map(|e| e.parent.as_deref().and_then(|p| by_id.get(p).copied())).collect();
        let mut children = vec![Vec::new(); codes.len()];
        let mut tops = Vec::new();
        for (i, p) in parent.iter().enumerate() {
            match p {
                Some(p) => children[*p].push(i),
                None => tops.push(i),
            }
        }
        Tree { codes, by_id, parent, children, tops, followed: Cell::new(0) }
    }

    /// The entry with this id (the first, should two share it).
    pub fn get(&self, id: &str) -> Option<&'a CodeEntry> {
        self.index(id).map(|i| &self.codes[i])
    }

    /// Where the entry with this id is in the file.
    pub fn index(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// The entries in tree order (each parent before its children, siblings in file order), each
    /// with its depth (0 at the top) and its place in the file. Entries caught in a parent cycle
    /// (which `check` refuses) are not reached, so they are left out.
    pub fn order(&self) -> Vec<(usize, usize)> {
        let mut out = Vec::with_capacity(self.codes.len());
        let mut stack: Vec<(usize, usize)> = self.tops.iter().rev().map(|&i| (0, i)).collect();
        while let Some((depth, i)) = stack.pop() {
            out.push((depth, i));
            self.follow(self.children[i].len());
            stack.extend(self.children[i].iter().rev().map(|&child| (depth + 1, child)));
        }
        out
    }

    /// The entries in tree order with their depth, as `CodebookFile::tree` gives them.
    pub fn entries(&self) -> Vec<(usize, &'a CodeEntry)> {
        self.order().into_iter().map(|(depth, i)| (depth, &self.codes[i])).collect()
    }

    /// The entries at the top (no parent, or one that does not exist), in file order.
    pub fn tops(&self) -> &[usize] {
        &self.tops
    }

    /// The children of the entry at `i`, in file order.
    pub fn children(&self, i: usize) -> &[usize] {
        self.follow(self.children.get(i).map_or(0, Vec::len));
        self.children.get(i).map_or(&[], Vec::as_slice)
    }

    /// The entries above the one with this id, nearest first; never more than there are entries,
    /// so that a cycle ends.
    pub fn ancestors(&self, id: &str) -> impl Iterator<Item = &'a CodeEntry> + '_ {
        let start = self.index(id).and_then(|i| self.parent[i]);
        let codes = self.codes;
        std::iter::successors(start, |&i| self.parent[i])
            .take(self.codes.len())
            .inspect(|_| self.follow(1))
            .map(move |i| &codes[i])
    }

    /// The path of names from the top, such as "Motivations / Social / Democratising access".
    /// Past [`MAX_DEPTH`] levels (only in a codebook stored before the limit) the top is cut to "…".
    pub fn path(&self, id: &str) -> String {
        let Some(entry) = self.get(id) else { return String::new() };
        let mut names = vec![entry.name.as_str()];
        let mut above = self.ancestors(id);
        names.extend(above.by_ref().take(MAX_DEPTH - 1).map(|e| e.name.as_str()));
        if above.next().is_some() {
            names.push("…");
        }
        names.reverse();
        names.join(" / ")
    }

    /// The mutually exclusive categories above `code`, nearest first.
    pub fn exclusive_categories(&self, code: &str) -> Vec<&'a str> {
        self.ancestors(code).filter(|e| e.mutually_exclusive).map(|e| e.id.as_str()).collect()
    }

    /// How many links the walks have followed since the tree was built.
    pub fn links_followed(&self) -> usize {
        self.followed.get()
    }

    fn follow(&self, links: usize) {
        self.followed.set(self.followed.get() + links);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codebook::model::CodeKind;

    /// `chains` chains of `depth` levels: categories down to one code each, names unique.
    pub(crate) fn deep_and_wide(chains: usize, depth: usize) -> CodebookFile {
        let mut codes = Vec::with_capacity(chains * depth);
        for c in 0..chains {
            for level in 0..depth {
                codes.push(CodeEntry {
                    id: format!("C{c}_L{level}"),
                    parent: (level > 0).then(|| format!("C{c}_L{}", level - 1)),
                    kind: if level + 1 < depth { CodeKind::Category } else { CodeKind::Code },
                    name: format!("Chain {c} level {level}"),
                    mutually_exclusive: level == 0 && depth > 1,
                    ..CodeEntry::default()
                });
            }
        }
        CodebookFile { format: 1, name: "Deep and wide".into(), description: String::new(), codes, closed: Vec::new() }
    }

    #[test]
    fn the_order_lists_each_entry_once_parents_first_and_follows_each_link_once() {
        let file = deep_and_wide(500, MAX_DEPTH);
        let tree = Tree::new(&file);
        let order = tree.entries();
        assert_eq!(order.len(), 6000);
        assert_eq!((order[0].0, order[0].1.id.as_str()), (0, "C0_L0"));
        assert_eq!((order[11].0, order[11].1.id.as_str()), (11, "C0_L11"));
        assert_eq!(order[12].1.id, "C1_L0");
        assert_eq!(tree.links_followed(), 6000 - 500, "one per child: linear");
    }

    #[test]
    fn paths_and_categories_of_every_entry_cost_at_most_one_link_per_level() {
        let file = deep_and_wide(500, MAX_DEPTH);
        let tree = Tree::new(&file);
        let paths: Vec<String> = file.codes.iter().map(|c| tree.path(&c.id)).collect();
        assert_eq!(paths[11].matches(" / ").count(), 11);
        assert!(paths[11].starts_with("Chain 0 level 0 / Chain 0 level 1 / "), "{}", paths[11]);
        let categories: usize = file.codes.iter().map(|c| tree.exclusive_categories(&c.id).len()).sum();
        assert_eq!(categories, 500 * 11, "each entry below a chain's top has its top category");
        // Each entry's walk follows its own depth's links, twice (path, then categories).
        let levels: usize = (0..MAX_DEPTH).sum::<usize>() * 500;
        assert_eq!(tree.links_followed(), 2 * levels);
    }

    #[test]
    fn a_codebook_deeper_than_the_limit_stays_linear_and_shows_a_shortened_path() {
        // A 3,000-level chain, as one stored before the limit could be.
        let file = deep_and_wide(1, 3000);
        let tree = Tree::new(&file);
        assert_eq!(tree.entries().len(), 3000);
        let deepest = tree.path("C0_L2999");
        assert!(deepest.starts_with("… / Chain 0 level 2988 / "), "{deepest}");
        assert_eq!(deepest.matches(" / ").count(), MAX_DEPTH);
        let before = tree.links_followed();
        for entry in &file.codes {
            tree.path(&entry.id);
        }
        assert!(tree.links_followed() - before <= 3000 * MAX_DEPTH, "at most {MAX_DEPTH} levels per path");
    }

    #[test]
    fn a_cycle_is_left_out_of_the_order_and_ends_a_walk() {
        let mut file = deep_and_wide(1, 3);
        file.codes[0].parent = Some("C0_L2".into());
        let tree = Tree::new(&file);
        assert!(tree.entries().is_empty());
        assert_eq!(tree.ancestors("C0_L1").count(), 3);
    }
}
