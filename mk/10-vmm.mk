# The minivmm binary: src/main.c linked with the library of everything
# else under src/ (built by mk/00-core.mk). Also `make run` and
# `make install` / `make uninstall`.

BINDIR  := $(PREFIX)/bin
MANDIR  := $(PREFIX)/share/man/man1
DATADIR := $(PREFIX)/share/minivmm

all: minivmm

minivmm: $(BUILD)/obj/src/main.o $(BUILD)/libminivmm.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# Boot the bundled guest (dependencies first, like `make check`).
run: deps all
	./minivmm guest-kernels/hello.elf

.PHONY: uninstall
install: all
	install -D -m 0755 minivmm $(DESTDIR)$(BINDIR)/minivmm
	install -D -m 0644 man/minivmm.1 $(DESTDIR)$(MANDIR)/minivmm.1
	install -d $(DESTDIR)$(DATADIR)
	install -m 0644 $(wildcard guest-kernels/*.elf) $(DESTDIR)$(DATADIR)/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/minivmm $(DESTDIR)$(MANDIR)/minivmm.1
	rm -f $(addprefix $(DESTDIR)$(DATADIR)/,$(notdir $(wildcard guest-kernels/*.elf)))
	-rmdir $(DESTDIR)$(DATADIR) 2>/dev/null
