//! The build context as the tar archive Docker's build endpoint takes.
//!
//! Every header field that could vary (time, owner) is fixed, so the same request gives the same
//! bytes: the context's checksum then identifies the build.

use std::collections::BTreeSet;
use std::io;

use tar::{EntryType, Header};

use super::BuildContext;

const DOCKERFILE_MODE: u32 = 0o644;
const DIRECTORY_MODE: u32 = 0o755;

impl BuildContext {
    /// The context as a tar archive: `Dockerfile` first, then the directories the files need,
    /// then the files, each with its mode, owned by root, dated 1970.
    pub fn to_tar(&self) -> io::Result<Vec<u8>> {
        let mut archive = tar::Builder::new(Vec::new());
        append(
            &mut archive,
            "Dockerfile",
            self.dockerfile.as_bytes(),
            DOCKERFILE_MODE,
        )?;
        for directory in self.directories() {
            append_directory(&mut archive, &directory)?;
        }
        for file in &self.files {
            append(&mut archive, &file.path, &file.contents, file.mode)?;
        }
        archive.into_inner()
    }

    /// Every parent directory of every file, parents before children.
    fn directories(&self) -> BTreeSet<String> {
        let mut directories = BTreeSet::new();
        for file in &self.files {
            let mut path = file.path.as_str();
            while let Some((parent, _)) = path.rsplit_once('/') {
                directories.insert(parent.to_string());
                path = parent;
            }
        }
        directories
    }
}

fn header(entry_type: EntryType, size: u64, mode: u32) -> Header {
    let mut header = Header::new_gnu();
    header.set_entry_type(entry_type);
    header.set_size(size);
    header.set_mode(mode);
    header.set_mtime(0);
    header.set_uid(0);
    header.set_gid(0);
    header
}

fn append(
    archive: &mut tar::Builder<Vec<u8>>,
    path: &str,
    data: &[u8],
    mode: u32,
) -> io::Result<()> {
    let mut header = header(EntryType::Regular, data.len() as u64, mode);
    archive.append_data(&mut header, path, data)
}

fn append_directory(archive: &mut tar::Builder<Vec<u8>>, path: &str) -> io::Result<()> {
    let mut header = header(EntryType::Directory, 0, DIRECTORY_MODE);
    archive.append_data(&mut header, format!("{path}/"), io::empty())
}
