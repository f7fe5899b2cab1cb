# -*- coding: utf-8 -*-
"""Every commit on disk, whatever the consistency policy.

The SDK's file datastore stub writes its file when a write is *applied*
under its master/slave policy, but under the high-replication policies
(eventual consistency) only when it is stopped. A dev server killed, or a
second one started on the same storage path, would miss every write. Here
the policy also saves, at each commit, what is committed: the applied
entities plus the writes still waiting to show in global queries (which
stay invisible to those queries until the policy applies them).
"""
from __future__ import absolute_import

__all__ = ['persisting']


def _committed_entities(stub):
    from google.appengine.api import datastore_types
    from google.appengine.datastore import datastore_stub_util

    entities = {}
    for kind_dict in list(stub._DatastoreFileStub__entities_by_kind.values()):
        for key, stored in list(kind_dict.items()):
            entities[key] = stored.encoded_protobuf
    for meta_data in list(stub._meta_data.values()):
        for txn in list(meta_data._apply_queue):
            for tracker in list(txn._entity_groups.values()):
                if tracker._meta_data is not meta_data:
                    continue
                for entity, _ in list(tracker._put.values()):
                    record = datastore_stub_util.EntityRecord(entity)
                    entities[datastore_types.ReferenceToKeyValue(
                        entity.key)] = datastore_stub_util._ToStorageEntity(
                            record).SerializeToString()
                for reference in list(tracker._delete.values()):
                    entities.pop(datastore_types.ReferenceToKeyValue(
                        reference), None)
    return list(entities.values())


def write_committed(stub):
    """Writes the file of a ``DatastoreFileStub`` with all committed data."""
    if not stub._DatastoreFileStub__IsSaveable():
        return
    encoded = _committed_entities(stub) + [stub._GetReadTimestamp()]
    stub._DatastoreFileStub__WritePickled(
        encoded, stub._DatastoreFileStub__datastore_file)


def persisting(policy):
    """``policy``, changed to also save the datastore file at each commit."""
    base = type(policy)

    class Persisting(base):
        def _OnCommit(self, txn):
            base._OnCommit(self, txn)
            write_committed(txn._txn_manager)

    Persisting.__name__ = 'Persisting' + base.__name__
    policy.__class__ = Persisting
    return policy
