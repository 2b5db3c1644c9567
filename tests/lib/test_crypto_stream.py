"""Chunked attachment streams: round trips, sizes and tampering (no Django, no database)."""

import io
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib import crypto
from lib.crypto import CHUNK_SIZE, CryptoError

KEY = bytes(range(32))
HEADER = 8
SEALED_CHUNK = CHUNK_SIZE + 16
EDGE_SIZES = [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 2 * CHUNK_SIZE, 3 * CHUNK_SIZE + 7]


def data_of(size: int, seed: int = 0) -> bytes:
    return random.Random(seed).randbytes(size)


def sealed(plaintext: bytes, context: bytes = b"att") -> bytes:
    out = io.BytesIO()
    assert crypto.seal_stream(KEY, io.BytesIO(plaintext), out, context=context) == len(plaintext)
    return out.getvalue()


def opened(stream: bytes, context: bytes = b"att", key: bytes = KEY) -> bytes:
    return b"".join(crypto.open_stream(key, io.BytesIO(stream), context=context))


class Trickle(io.RawIOBase):
    """A reader that returns at most 1000 bytes per read, like a socket or a pipe."""

    def __init__(self, data: bytes) -> None:
        self._src = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return self._src.read(min(size, 1000) if size >= 0 else 1000)


@pytest.mark.parametrize("size", EDGE_SIZES)
def test_streams_of_edge_sizes_round_trip_and_report_their_exact_size(size):
    plaintext = data_of(size, size)
    stream = sealed(plaintext)
    assert opened(stream) == plaintext
    assert crypto.stream_plaintext_size(len(stream)) == size
    assert len(stream) == HEADER + (size // CHUNK_SIZE) * SEALED_CHUNK + size % CHUNK_SIZE + 16


@given(size=st.integers(min_value=0, max_value=5 * CHUNK_SIZE), seed=st.integers(0, 2**32))
@settings(max_examples=12, deadline=None)
def test_streams_of_random_sizes_round_trip(size, seed):
    plaintext = data_of(size, seed)
    assert opened(sealed(plaintext)) == plaintext


@given(
    writes=st.lists(
        st.one_of(
            st.integers(0, 300),
            st.sampled_from([CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1]),
            st.integers(0, 3 * CHUNK_SIZE),
        ),
        max_size=8,
    )
)
@settings(max_examples=25, deadline=None)
def test_a_stream_sealer_fed_in_random_write_sizes_round_trips(writes):
    plaintext = data_of(sum(writes), len(writes))
    out = io.BytesIO()
    sealer = crypto.StreamSealer(KEY, out, context=b"att")
    offset = 0
    for size in writes:
        sealer.write(plaintext[offset : offset + size])
        offset += size
    assert sealer.close() == len(plaintext)
    assert opened(out.getvalue()) == plaintext
    assert crypto.stream_plaintext_size(len(out.getvalue())) == len(plaintext)


def test_the_same_plaintext_seals_to_the_same_layout_however_it_is_written():
    plaintext = data_of(2 * CHUNK_SIZE + 5)
    one, many = io.BytesIO(), io.BytesIO()
    sealer = crypto.StreamSealer(KEY, one, context=b"a")
    sealer.write(plaintext)
    sealer.close()
    sealer = crypto.StreamSealer(KEY, many, context=b"a")
    for i in range(0, len(plaintext), 777):
        sealer.write(plaintext[i : i + 777])
    sealer.close()
    assert len(one.getvalue()) == len(many.getvalue())


def test_open_stream_yields_chunks_no_larger_than_chunk_size():
    chunks = list(
        crypto.open_stream(KEY, io.BytesIO(sealed(data_of(3 * CHUNK_SIZE + 1))), context=b"att")
    )
    assert [len(c) for c in chunks] == [CHUNK_SIZE] * 3 + [1]


def test_streams_read_from_a_trickling_source_open():
    plaintext = data_of(2 * CHUNK_SIZE + 3)
    stream = sealed(plaintext)
    assert b"".join(crypto.open_stream(KEY, Trickle(stream), context=b"att")) == plaintext
    out = io.BytesIO()
    crypto.seal_stream(KEY, Trickle(plaintext), out, context=b"att")
    assert opened(out.getvalue()) == plaintext


def test_a_closed_stream_sealer_refuses_more_data():
    sealer = crypto.StreamSealer(KEY, io.BytesIO(), context=b"")
    sealer.close()
    with pytest.raises(ValueError, match="StreamSealer is closed"):
        sealer.write(b"more")
    with pytest.raises(ValueError, match="StreamSealer is already closed"):
        sealer.close()


# --- tampering ----------------------------------------------------------------------------


def test_a_stream_with_its_last_chunk_dropped_fails():
    stream = sealed(data_of(2 * CHUNK_SIZE + 10))
    with pytest.raises(CryptoError, match="stream chunk failed to open: tampered or truncated"):
        opened(stream[: HEADER + 2 * SEALED_CHUNK])


def test_a_stream_of_whole_chunks_with_its_empty_final_chunk_dropped_fails():
    stream = sealed(data_of(2 * CHUNK_SIZE))
    assert len(stream) == HEADER + 2 * SEALED_CHUNK + 16
    with pytest.raises(CryptoError, match="stream chunk failed to open: tampered or truncated"):
        opened(stream[:-16])


@pytest.mark.parametrize("cut", [1, 15, 16, 17, 1000, SEALED_CHUNK + 5])
def test_a_stream_cut_mid_chunk_fails(cut):
    stream = sealed(data_of(2 * CHUNK_SIZE + 100))
    with pytest.raises(CryptoError, match="stream chunk failed to open: tampered or truncated"):
        opened(stream[:-cut])


@pytest.mark.parametrize("stream", [b"", b"\x05", b"\x05" + bytes(7), b"\x01" + bytes(40)])
def test_a_stream_with_a_bad_or_missing_header_or_no_chunks_fails(stream):
    with pytest.raises(CryptoError, match="bad stream header|stream truncated"):
        opened(stream)


def test_reordered_chunks_fail():
    stream = sealed(data_of(3 * CHUNK_SIZE + 1))
    c = [stream[HEADER + i * SEALED_CHUNK : HEADER + (i + 1) * SEALED_CHUNK] for i in range(3)]
    swapped = stream[:HEADER] + c[1] + c[0] + c[2] + stream[HEADER + 3 * SEALED_CHUNK :]
    with pytest.raises(CryptoError, match="stream chunk failed to open: tampered or truncated"):
        opened(swapped)


def test_a_chunk_from_another_stream_with_the_same_key_fails():
    first, second = sealed(data_of(2 * CHUNK_SIZE, 1)), sealed(data_of(2 * CHUNK_SIZE, 2))
    spliced = first[: HEADER + SEALED_CHUNK] + second[HEADER + SEALED_CHUNK :]
    with pytest.raises(CryptoError, match="stream chunk failed to open: tampered or truncated"):
        opened(spliced)


@pytest.mark.parametrize("extra", [b"\x00", bytes(16), bytes(SEALED_CHUNK)])
def test_appended_data_fails(extra):
    stream = sealed(data_of(CHUNK_SIZE + 1))
    with pytest.raises(CryptoError, match="stream chunk failed to open: tampered or truncated"):
        opened(stream + extra)


def test_a_duplicated_final_chunk_fails():
    stream = sealed(data_of(10))
    with pytest.raises(CryptoError, match="stream chunk failed to open: tampered or truncated"):
        opened(stream + stream[HEADER:])


@given(index=st.integers(min_value=0))
@settings(max_examples=20, deadline=None)
def test_a_flipped_bit_anywhere_in_a_stream_fails(index):
    stream = bytearray(sealed(data_of(CHUNK_SIZE + 50)))
    stream[index % len(stream)] ^= 0x80
    with pytest.raises(
        CryptoError, match="bad stream header|stream chunk failed to open: tampered or truncated"
    ):
        opened(bytes(stream))


def test_a_stream_with_the_wrong_key_or_context_fails():
    stream = sealed(b"attachment", context=b"case-1|attachment-1")
    with pytest.raises(CryptoError, match="stream chunk failed to open: tampered or truncated"):
        opened(stream, context=b"case-1|attachment-2")
    with pytest.raises(CryptoError, match="stream chunk failed to open: tampered or truncated"):
        opened(stream, context=b"case-1|attachment-1", key=bytes(32))


@pytest.mark.parametrize("size", [0, 1, 7, 8, 8 + 15, HEADER + SEALED_CHUNK + 3])
def test_impossible_stream_sizes_are_refused(size):
    with pytest.raises(CryptoError, match="impossible stream size"):
        crypto.stream_plaintext_size(size)
