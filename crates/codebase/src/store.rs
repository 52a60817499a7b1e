//! The full-text side: a tantivy index (BM25) of the chunks, one document per chunk, with
//! the symbol, path and text tokenized by [`CodeTokenizer`].

use crate::chunk::{Chunk, ChunkKind};
use crate::tokenizer::{query_terms, CodeTokenizer, CODE_TOKENIZER};
use crate::{Hit, IndexError};
use std::path::Path;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, STORED, STRING,
};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

/// How much more a match in the symbol's name counts than one in the text: a query naming
/// a function should rank its definition above the places that call it.
const SYMBOL_BOOST: f32 = 4.0;

/// A match in the file path counts a little more than one in the text.
const PATH_BOOST: f32 = 1.5;

/// Memory of the single indexing thread (tantivy's minimum is 15 MB).
const WRITER_MEMORY_BYTES: usize = 48 * 1024 * 1024;

/// The fields of a chunk document.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    /// The relative path, untokenized: deletes a file's chunks, and is returned.
    path: Field,
    /// The relative path, tokenized, for matching.
    path_terms: Field,
    symbol: Field,
    kind: Field,
    start_line: Field,
    end_line: Field,
    text: Field,
}

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let code_text = |stored: bool| {
        let options = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(CODE_TOKENIZER)
                // BM25 needs term frequencies; no phrase queries, so no positions.
                .set_index_option(IndexRecordOption::WithFreqs),
        );
        if stored {
            options.set_stored()
        } else {
            options
        }
    };
    let fields = Fields {
        path: builder.add_text_field("path", STRING | STORED),
        path_terms: builder.add_text_field("path_terms", code_text(false)),
        symbol: builder.add_text_field("symbol", code_text(true)),
        kind: builder.add_text_field("kind", STORED),
        start_line: builder.add_u64_field("start_line", STORED),
        end_line: builder.add_u64_field("end_line", STORED),
        text: builder.add_text_field("text", code_text(true)),
    };
    (builder.build(), fields)
}

/// An open search index.
pub(crate) struct SearchIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it when there is none.
    pub(crate) fn open_or_create(dir: &Path) -> Result<SearchIndex, IndexError> {
        std::fs::create_dir_all(dir).map_err(|e| IndexError::io(dir, e))?;
        let (schema, fields) = schema();
        let directory = tantivy::directory::MmapDirectory::open(dir)
            .map_err(|e| IndexError::Search(tantivy::TantivyError::from(e)))?;
        let index = Index::open_or_create(directory, schema)?;
        index
            .tokenizers()
            .register(CODE_TOKENIZER, TextAnalyzer::from(CodeTokenizer::default()));
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(SearchIndex {
            index,
            reader,
            fields,
        })
    }

    /// A writer; holds the index's lock file until dropped (one writer per index, across
    /// processes: a second one gets [`tantivy::TantivyError::LockFailure`]).
    pub(crate) fn writer(&self) -> Result<ChunkWriter, IndexError> {
        let writer = self.index.writer_with_num_threads(1, WRITER_MEMORY_BYTES)?;
        Ok(ChunkWriter {
            writer,
            fields: self.fields,
        })
    }

    /// Makes what the last commit wrote visible to searches.
    pub(crate) fn reload(&self) -> Result<(), IndexError> {
        Ok(self.reader.reload()?)
    }

    /// Chunks in the index.
    pub(crate) fn chunk_count(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// The best `limit` chunks for `query`, best first.
    pub(crate) fn search(&self, query: &str, limit: usize) -> Result<Vec<Hit>, IndexError> {
        let terms = query_terms(query);
        if terms.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (term, weight) in &terms {
            for (field, boost) in [
                (self.fields.symbol, SYMBOL_BOOST),
                (self.fields.path_terms, PATH_BOOST),
                (self.fields.text, 1.0),
            ] {
                let query = TermQuery::new(
                    Term::from_field_text(field, term),
                    IndexRecordOption::WithFreqs,
                );
                clauses.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(query), boost * weight)),
                ));
            }
        }
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let top = searcher.search(&query, &TopDocs::with_limit(limit))?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            hits.push(self.hit_of(&doc, score));
        }
        Ok(hits)
    }

    /// Every chunk in the index (score 0), in no particular order: what is embedded.
    pub(crate) fn all_chunks(&self) -> Result<Vec<Hit>, IndexError> {
        let searcher = self.reader.searcher();
        let mut out = Vec::with_capacity(usize::try_from(searcher.num_docs()).unwrap_or(0));
        for segment in searcher.segment_readers() {
            // One block cached: the documents are read in order, each block once.
            let store = segment
                .get_store_reader(1)
                .map_err(|e| IndexError::Search(tantivy::TantivyError::from(e)))?;
            for doc in store.iter::<TantivyDocument>(segment.alive_bitset()) {
                out.push(self.hit_of(&doc?, 0.0));
            }
        }
        Ok(out)
    }

    fn hit_of(&self, doc: &TantivyDocument, score: f32) -> Hit {
        let text = |field: Field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        let number = |field: Field| {
            doc.get_first(field)
                .and_then(|v| v.as_u64())
                .map_or(0, |n| usize::try_from(n).unwrap_or(usize::MAX))
        };
        Hit {
            path: text(self.fields.path).unwrap_or_default(),
            symbol: text(self.fields.symbol).filter(|s| !s.is_empty()),
            kind: text(self.fields.kind)
                .and_then(|k| ChunkKind::from_name(&k))
                .unwrap_or(ChunkKind::Text),
            start_line: number(self.fields.start_line),
            end_line: number(self.fields.end_line),
            score,
            similarity: None,
            text: text(self.fields.text).unwrap_or_default(),
        }
    }
}

/// Adds and removes files' chunks; nothing is visible until [`ChunkWriter::commit`].
pub(crate) struct ChunkWriter {
    writer: IndexWriter,
    fields: Fields,
}

impl ChunkWriter {
    /// Removes every chunk of the file at `path`.
    pub(crate) fn remove_file(&mut self, path: &str) {
        self.writer
            .delete_term(Term::from_field_text(self.fields.path, path));
    }

    /// Adds the chunks of the file at `path` (after removing what it had).
    pub(crate) fn replace_file(&mut self, path: &str, chunks: &[Chunk]) -> Result<(), IndexError> {
        self.remove_file(path);
        for chunk in chunks {
            let mut doc = TantivyDocument::default();
            doc.add_text(self.fields.path, path);
            doc.add_text(self.fields.path_terms, path);
            doc.add_text(self.fields.symbol, chunk.symbol.as_deref().unwrap_or(""));
            doc.add_text(self.fields.kind, chunk.kind.name());
            doc.add_u64(self.fields.start_line, chunk.start_line as u64);
            doc.add_u64(self.fields.end_line, chunk.end_line as u64);
            doc.add_text(self.fields.text, &chunk.text);
            self.writer.add_document(doc)?;
        }
        Ok(())
    }

    /// Makes the changes durable, and waits for merges so that no thread outlives it.
    pub(crate) fn commit(mut self) -> Result<(), IndexError> {
        self.writer.commit()?;
        self.writer.wait_merging_threads()?;
        Ok(())
    }
}
