//! Where encrypted files live. [`BlobStore`] names the backends: the filesystem under the data directory now (an
//! S3-compatible one can be another variant later). Blobs are opaque (already encrypted) and written atomically: a
//! crash leaves either the whole blob or nothing under its name.
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug)]
pub enum BlobStore {
    Filesystem(FsBlobStore),
}

#[derive(Clone, Debug)]
pub struct FsBlobStore {
    root: PathBuf,
}

impl BlobStore {
    /// A filesystem store under `root` (created, 0700, when missing).
    pub fn filesystem(root: &Path) -> Result<Self, String> {
        std::fs::create_dir_all(root.join("tmp")).map_err(|e| format!("{}: {e}", root.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o700));
        }
        Ok(BlobStore::Filesystem(FsBlobStore { root: root.to_owned() }))
    }

    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), String> {
        match self {
            BlobStore::Filesystem(fs) => {
                let fs = fs.clone();
                let key = key.to_owned();
                blocking(move || fs.put(&key, &bytes)).await
            }
        }
    }

    pub async fn get(&self, key: &str) -> Result<Vec<u8>, String> {
        match self {
            BlobStore::Filesystem(fs) => {
                let path = fs.path(key)?;
                tokio::fs::read(&path).await.map_err(|e| format!("reading blob {key}: {e}"))
            }
        }
    }

    /// Removes a blob; a missing one is not an error (deleting twice is fine).
    pub async fn delete(&self, key: &str) -> Result<(), String> {
        match self {
            BlobStore::Filesystem(fs) => match tokio::fs::remove_file(fs.path(key)?).await {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(format!("deleting blob {key}: {e}")),
            },
        }
    }

    /// Every blob's path (for tests that look at what is on disk).
    #[cfg(test)]
    pub(crate) fn files(&self) -> Vec<PathBuf> {
        let BlobStore::Filesystem(fs) = self;
        let mut out = Vec::new();
        for dir in std::fs::read_dir(&fs.root).into_iter().flatten().flatten() {
            for file in std::fs::read_dir(dir.path()).into_iter().flatten().flatten() {
                out.push(file.path());
            }
        }
        out
    }
}

async fn blocking(work: impl FnOnce() -> Result<(), String> + Send + 'static) -> Result<(), String> {
    tokio::task::spawn_blocking(work).await.map_err(|e| e.to_string())?
}

impl FsBlobStore {
    /// `root/ab/abcdef…`: two-letter fan-out so no directory grows huge. Keys are letters and digits only.
    fn path(&self, key: &str) -> Result<PathBuf, String> {
        if key.len() < 8 || !key.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err("malformed blob key".to_owned());
        }
        Ok(self.root.join(&key[..2]).join(key))
    }

    fn put(&self, key: &str, bytes: &[u8]) -> Result<(), String> {
        let path = self.path(key)?;
        let temp = self.root.join("tmp").join(format!("{key}.part"));
        let result = (|| -> std::io::Result<()> {
            let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(&temp)?;
            file.write_all(bytes)?;
            file.sync_all()?;
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::rename(&temp, &path)?;
            if let Some(dir) = path.parent() {
                std::fs::File::open(dir)?.sync_all()?;
            }
            Ok(())
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        result.map_err(|e| format!("writing blob {key}: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn blobs_are_written_whole_read_back_and_deleted() {
        let dir = std::env::temp_dir().join(format!("cds-blobs-{}", crate::family::service::new_key().expect("key")));
        let store = BlobStore::filesystem(&dir).expect("store");
        store.put("abcdef123456", b"sealed bytes".to_vec()).await.expect("put");
        assert_eq!(store.get("abcdef123456").await.expect("get"), b"sealed bytes");
        assert!(store.put("abcdef123456", b"again".to_vec()).await.is_ok(), "a rename replaces");
        assert!(store.get("../../etc/passwd").await.is_err());
        store.delete("abcdef123456").await.expect("delete");
        store.delete("abcdef123456").await.expect("twice is fine");
        assert!(store.get("abcdef123456").await.is_err());
        assert_eq!(std::fs::read_dir(dir.join("tmp")).expect("tmp").count(), 0, "no half-written file is left");
        let _ = std::fs::remove_dir_all(dir);
    }
}
