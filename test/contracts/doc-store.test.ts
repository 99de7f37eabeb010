import { runDocStoreContract } from './doc-store-contract.js'
import { storageBackends } from './storage-backends.js'

for (const backend of storageBackends()) {
  runDocStoreContract(backend.name, async () => {
    const fixture = await backend.open()
    const { reopen } = fixture
    return {
      get store() {
        return fixture.storage.docs
      },
      reopen: reopen && (async () => (await reopen()).docs),
      cleanup: () => fixture.cleanup(),
    }
  })
}
