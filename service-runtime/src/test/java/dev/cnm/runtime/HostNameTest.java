package dev.cnm.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class HostNameTest {
  @Test
  void get_isTheKernelsNodename_withoutResolvingIt() throws Exception {
    // uname -n; a name that resolves nowhere must still come back (fresh VMs and chroots)
    assertThat(HostName.get()).isEqualTo(Files.readString(Path.of("/proc/sys/kernel/hostname")).strip()).isNotBlank();
  }
}
