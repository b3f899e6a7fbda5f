/* The generated blob (big-blob.h), placed in .rodata of tests/abi/big so
 * the file is above 8 MiB and the loader has to map all of it. */
    .section .rodata.big_blob, "a"
    .balign 4096
    .globl big_blob
big_blob:
    .incbin BIG_BLOB_PATH
    .globl big_blob_end
big_blob_end:
    .section .note.GNU-stack, "", @progbits
